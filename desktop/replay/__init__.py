"""Training replay window (issue 11): workspace, timeline bar, what-if dock, controller and composition."""
