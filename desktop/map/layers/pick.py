"""Picking a location on the map (for intake, a patrol finding, a new work order): the
crosshair mode, who asked for it, and the picked marker."""
from __future__ import annotations

from desktop.map.layers.base import LayerAdapter


class PickAdapter(LayerAdapter):
    def __init__(self, scene):
        super().__init__(scene)
        self.picking = False
        self.owner: str | None = None  # who the next click is for ("intake", "finding", …)
        self.picked: tuple[float, float] | None = None  # WGS84

    def set_mode(self, on: bool, owner: str = "intake") -> None:
        self.picking = on
        self.owner = owner if on else None
        self._call("setPickMode", on)

    def set_picked(self, location: tuple[float, float] | None) -> None:
        self.picked = location
        self._send()

    def _send(self, view=None) -> None:
        if self.picked is None:
            self._call("setPicked", None, None, view=view)
        else:
            lon, lat = self.shift.point(*self.picked)
            self._call("setPicked", lon, lat, view=view)

    def replay(self, view) -> None:
        if self.picking:
            self._call("setPickMode", True, view=view)
        if self.picked is not None:
            self._send(view)
