"""Editing must-visit points and must-patrol lines on the page (gridmap_edit.js, Leaflet-Geoman):
the edit mode and the edited layers' features, replaced in the page without reloading it, so
the commander's zoom and centre stay. Geometry coming back from the page is on the basemap;
it leaves here in WGS84."""
from __future__ import annotations

from core import layers as L
from core.layers import LayerFeature
from desktop.map.layers.base import LayerAdapter

EDIT_MODES = ("point", "line", "move", "vertices", "delete")
EDITABLE_LAYERS = (L.POINTS, L.LINES)


class PlaceEditAdapter(LayerAdapter):
    def __init__(self, scene):
        super().__init__(scene)
        self.mode: str | None = None
        self.replaced: dict[str, list[dict]] = {}  # layer -> shifted GeoJSON features the page shows

    def set_mode(self, mode: str | None) -> None:
        """None ends editing; otherwise one of EDIT_MODES."""
        if mode is not None and mode not in EDIT_MODES:
            raise ValueError(f"mode: expected one of {', '.join(EDIT_MODES)}, got {mode!r}")
        self.mode = mode
        self._call("setEditMode", mode)

    def replace(self, layer: str, features: list[LayerFeature]) -> None:
        """Show these features for ``layer`` (points or lines) instead of what the page was built with."""
        if layer not in EDITABLE_LAYERS:
            raise ValueError(f"layer: expected points or lines, got {layer!r}")
        self.replaced[layer] = [self.shift.feature(f.to_geojson()) for f in features]
        self._call("replaceLayer", layer, self.replaced[layer])

    def forget(self) -> None:
        """A new page carries the layers itself."""
        self.replaced.clear()

    def geometry_from_page(self, geometry: dict) -> dict:
        """A geometry drawn on the basemap, back in WGS84."""
        coords = geometry.get("coordinates")
        if geometry.get("type") == "Point":
            return {"type": "Point", "coordinates": list(self.shift.unshift(float(coords[0]), float(coords[1])))}
        return {"type": geometry.get("type"),
                "coordinates": [list(self.shift.unshift(float(c[0]), float(c[1]))) for c in coords]}

    def replay(self, view) -> None:
        for layer, features in self.replaced.items():
            self._call("replaceLayer", layer, features, view=view)
        if self.mode is not None:
            self._call("setEditMode", self.mode, view=view)
