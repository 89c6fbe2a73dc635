"""The map scene: the only code that talks to the page.

It owns what every map view shows (units, incidents, the selection, rings, the
candidate route, trails, follow, pick mode, overlays that later features add) as
per-kind layer adapters, in the manner of napari's layer→visual adapters. Each
adapter keeps its state in Python and replays it to a page that (re)loads, so any
number of views (a workstation's map, the wall, a replay) stay equal.

Everything goes in and comes out in WGS84: the basemap's shift is applied here,
once (``core.basemap_shift``), and clicks are shifted back before they leave."""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from core.basemap_shift import BasemapShift
from core.settings import Settings
from desktop.map.layers.incidents import IncidentsAdapter
from desktop.map.layers.overlays import OverlaysAdapter
from desktop.map.layers.pick import PickAdapter
from desktop.map.layers.place_edit import PlaceEditAdapter
from desktop.map.layers.rings import RingsAdapter, RouteAdapter
from desktop.map.layers.static import StaticLayersAdapter
from desktop.map.layers.units import UnitsAdapter

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from desktop.live.live_model import LiveModel
    from desktop.map.view import MapView


class MapScene(QObject):
    sig_page_ready = Signal(dict)  # the page's info (feature counts) each time a view finished loading
    sig_map_clicked = Signal(float, float)  # lon, lat in WGS84
    sig_unit_clicked = Signal(int)
    sig_incident_clicked = Signal(int)
    sig_feature_clicked = Signal(str, str)  # static layer, code
    sig_overlay_clicked = Signal(str, str)  # overlay name, feature id
    sig_page_failed = Signal(str)
    # Editing places on the map: (layer, WGS84 GeoJSON geometry) drawn; (layer, code, geometry)
    # moved; (layer, code) the user asked to delete (the controller confirms first).
    sig_place_drawn = Signal(str, dict)
    sig_place_moved = Signal(str, str, dict)
    sig_place_delete_requested = Signal(str, str)

    def __init__(self, settings: Settings, live: "LiveModel", shift: BasemapShift | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.shift = shift or BasemapShift.for_basemap(settings.basemap)
        self.views: list[MapView] = []
        self.page_html: str | None = None
        self.page_fingerprint: str | None = None
        self.units = UnitsAdapter(self, live)
        self.incidents = IncidentsAdapter(self)
        self.rings = RingsAdapter(self)
        self.route = RouteAdapter(self)
        self.pick = PickAdapter(self)
        self.static = StaticLayersAdapter(self)
        self.overlays = OverlaysAdapter(self)
        self.place_edit = PlaceEditAdapter(self)
        # Replay order: what lies below first, the selection last.
        self.adapters = (self.static, self.place_edit, self.overlays, self.rings, self.route, self.incidents, self.pick, self.units)

    # --- views -----------------------------------------------------------------------
    def add_view(self, view: "MapView") -> None:
        """Drive one more view; it gets the current page and, once drawn, the whole state."""
        self.views.append(view)
        b = view.bridge
        b.sig_page_ready.connect(lambda info, v=view: self._on_page_ready(v, info))
        b.sig_map_clicked.connect(lambda lon, lat: self.sig_map_clicked.emit(*self.shift.unshift(lon, lat)))
        b.sig_unit_clicked.connect(self.sig_unit_clicked.emit)
        b.sig_incident_clicked.connect(self.sig_incident_clicked.emit)
        b.sig_feature_clicked.connect(self.sig_feature_clicked.emit)
        b.sig_overlay_clicked.connect(self.sig_overlay_clicked.emit)
        b.sig_place_drawn.connect(self._on_place_drawn)
        b.sig_place_moved.connect(self._on_place_moved)
        b.sig_place_delete_requested.connect(self.sig_place_delete_requested.emit)
        view.sig_load_failed.connect(self.sig_page_failed.emit)
        if self.page_html is not None:
            view.load_page(self.page_html)

    def remove_view(self, view: "MapView") -> None:
        if view in self.views:
            self.views.remove(view)

    def ready_views(self) -> list["MapView"]:
        return [v for v in self.views if v.bridge.ready]

    @property
    def ready(self) -> bool:
        return bool(self.views) and all(v.bridge.ready for v in self.views)

    def load_page(self, html: str, fingerprint: str | None = None) -> None:
        """A new page (static layers changed); every view reloads and is replayed."""
        self.page_html = html
        self.page_fingerprint = fingerprint
        self.place_edit.forget()
        for view in self.views:
            view.load_page(html)

    def keep_page(self, html: str, fingerprint: str) -> None:
        """A page equal to what the views show after in-place layer updates: kept for views
        added later, without reloading the ones that show it already."""
        self.page_html = html
        self.page_fingerprint = fingerprint

    def _on_place_drawn(self, layer: str, geometry_json: str) -> None:
        geometry = self._geometry_from_page(geometry_json)
        if geometry is not None:
            self.sig_place_drawn.emit(layer, geometry)

    def _on_place_moved(self, layer: str, code: str, geometry_json: str) -> None:
        geometry = self._geometry_from_page(geometry_json)
        if geometry is not None:
            self.sig_place_moved.emit(layer, code, geometry)

    def _geometry_from_page(self, geometry_json: str) -> dict | None:
        try:
            return self.place_edit.geometry_from_page(json.loads(geometry_json))
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            log.warning("the page sent a geometry that cannot be read: %s", exc)
            return None

    def _on_page_ready(self, view: "MapView", info: dict) -> None:
        # A (re)loaded page knows nothing: replay every layer's state to it.
        for adapter in self.adapters:
            adapter.replay(view)
        self.sig_page_ready.emit(info)

    # --- the one way to the page --------------------------------------------------
    def call(self, function: str, *args, view: "MapView | None" = None) -> None:
        """``gridmap.<function>(*args)`` in one view or every ready one. Views not yet
        ready get the whole state replayed when they are."""
        for v in ([view] if view is not None else self.ready_views()):
            v.bridge.call(function, *args)

    def evaluate(self, script: str, callback, view: "MapView | None" = None) -> None:
        """Read page state (tests, benchmarks, screenshots); results come to ``callback``."""
        target = view or (self.views[0] if self.views else None)
        if target is not None:
            target.page().runJavaScript(script, 0, callback)
