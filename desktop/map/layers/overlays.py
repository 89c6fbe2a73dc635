"""Named overlays later features draw (patrol status, open work orders, …) without
JavaScript of their own: GeoJSON Features in WGS84 with ``properties`` {id, tooltip,
style: {color, fillColor, weight, radius, dashArray, fillOpacity}}."""
from __future__ import annotations

from desktop.map.layers.base import LayerAdapter


class OverlaysAdapter(LayerAdapter):
    def __init__(self, scene):
        super().__init__(scene)
        self.overlays: dict[str, list[dict]] = {}  # name -> shifted features

    def set(self, name: str, features: list[dict]) -> None:
        self.overlays[name] = [self.shift.feature(f) for f in features]
        self._call("setOverlay", name, self.overlays[name])

    def clear(self, name: str) -> None:
        self.set(name, [])

    def replay(self, view) -> None:
        for name, features in self.overlays.items():
            if features:
                self._call("setOverlay", name, features, view=view)
