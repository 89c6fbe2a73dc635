"""The command-hall wall display (`gridcommand gui --wall`): the map as one more view of
the map scene, a KPI strip, an incident ticker and a clock, full screen in the dark
theme. Read-only: no forms, no editing, no dialogs; problems show as a banner."""
