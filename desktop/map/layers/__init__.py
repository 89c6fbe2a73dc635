"""Layer adapters: one per kind of thing the page draws. Each holds its state in
Python, sends changes to every ready view through the scene, and replays its whole
state to a view whose page (re)loaded."""
