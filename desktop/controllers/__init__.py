"""Controllers: each gets (workspace, scene, docks), never the application. They turn
what docks ask for into queries and operations on the workspace, and what comes back
into dock contents and map state."""
