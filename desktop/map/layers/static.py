"""The page's own static layers (grids, points, lines, targets, stations, streets):
built into the page itself; here only "fly to a feature and open its popup"."""
from __future__ import annotations

from desktop.map.layers.base import LayerAdapter


class StaticLayersAdapter(LayerAdapter):
    def show_feature(self, layer: str, code: str) -> None:
        self._call("showFeature", layer, code)

    def fly_to_bounds(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> None:
        (x0, y0), (x1, y1) = self.shift.point(min_lon, min_lat), self.shift.point(max_lon, max_lat)
        self._call("flyToBounds", x0, y0, x1, y1)

    def replay(self, view) -> None:
        pass  # part of the page
