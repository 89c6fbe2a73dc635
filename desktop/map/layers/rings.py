"""The selected incident's 1/3/5-minute rings and the hovered candidate's route."""
from __future__ import annotations

from typing import Sequence

from desktop.map.layers.base import LayerAdapter


class RingsAdapter(LayerAdapter):
    def __init__(self, scene):
        super().__init__(scene)
        self.rings: dict[str, dict] = {}  # minutes -> GeoJSON geometry, shifted
        self.estimate = False

    def show(self, rings: dict[int, dict], estimate: bool) -> None:
        """``rings``: minutes → WGS84 GeoJSON geometry; ``estimate``: straight-line circles."""
        self.rings = {str(k): self.shift.geometry(g) for k, g in rings.items()}
        self.estimate = estimate
        self._call("showRings", self.rings, estimate)

    def clear(self) -> None:
        self.rings = {}
        self._call("clearRings")

    def replay(self, view) -> None:
        if self.rings:
            self._call("showRings", self.rings, self.estimate, view=view)


class RouteAdapter(LayerAdapter):
    def __init__(self, scene):
        super().__init__(scene)
        self.latlngs: list[list[float]] = []

    def show(self, route: Sequence[Sequence[float]]) -> None:
        """``route``: [(lon, lat), …] in WGS84."""
        self.latlngs = self.shift.latlngs(route)
        self._call("showRoute", self.latlngs)

    def clear(self) -> None:
        self.latlngs = []
        self._call("clearRoute")

    def replay(self, view) -> None:
        if self.latlngs:
            self._call("showRoute", self.latlngs, view=view)
