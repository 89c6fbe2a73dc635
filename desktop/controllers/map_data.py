"""The static layers (grids, points, lines, targets, stations, streets): read them, keep
the page built from them current, and fly to a feature chosen in the layers dock.

The folium page is built off the GUI thread and only when its fingerprint changed; a
page cache lets the last page show at once on the next start."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal

from core import layers as L
from desktop import labels

if TYPE_CHECKING:
    from desktop.docks.layers import LayersDock
    from desktop.map.page_cache import PageCache
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace


def page_labels_for(scene: "MapScene", settings) -> "labels.PageLabels":
    """The translated strings the page shows (on the GUI thread: Qt's translations)."""
    shift = scene.shift
    note = "" if shift.is_identity else QCoreApplication.translate(
        "MapDataController", "Overlays shifted to %1").replace("%1", settings.basemap.crs.upper())
    return labels.page_labels(note)


def page_if_changed(layers: dict, settings, page_labels, current: str | None) -> tuple[str, str | None]:
    """(fingerprint, html) of the page these layers make; html None when the page shown
    (``current``) already is that page. Off the GUI thread: folium is only imported when
    the page must be rebuilt."""
    from desktop.map.page_inputs import fingerprint

    fp = fingerprint(layers, settings.basemap, settings.map, page_labels)
    if fp == current:
        return fp, None
    from desktop.map.page import build_page

    return fp, build_page(layers, settings.basemap, settings.map, page_labels)


class MapDataController(QObject):
    sig_page_current = Signal()  # the page shown was checked against (or built from) the database

    def __init__(self, workspace: "Workspace", scene: "MapScene", layers_dock: "LayersDock | None",
                 cache: "PageCache | None" = None, parent=None):
        super().__init__(parent)
        self.ws = workspace
        self.scene = scene
        self.dock = layers_dock
        self.cache = cache
        self.checked = False
        self.page_layers: dict | None = None  # what the views show: built into the page or replaced in it
        if layers_dock is not None:  # the wall has no layers dock
            layers_dock.sig_feature_chosen.connect(lambda f: scene.static.show_feature(f.layer, f.code))
        workspace.sig_changed.connect(self._on_kinds_changed)

    def page_labels(self):
        return page_labels_for(self.scene, self.ws.settings)

    def refresh(self) -> None:
        """Read the static layers in the background, then bring the page up to date."""
        from db.places_repo import load_all_layers

        self.ws.run_query(load_all_layers, self.apply_layers, key="map.layers")

    def apply_layers(self, layers: dict) -> None:
        settings = self.ws.settings
        page_labels = self.page_labels()  # translated on the GUI thread
        current = self.scene.page_fingerprint
        if self._replace_edited_places(layers):
            # The views are current already; the page for views added later and the next start.
            self.ws.run_task(lambda: page_if_changed(layers, settings, page_labels, current), self._keep_page,
                             key="map.page")
            self._share(layers)
            return

        # The page first: the background thread runs jobs in order, and what the new layers set
        # off elsewhere (the street network, the gazetteer) must not delay the map.
        self.ws.run_task(lambda: page_if_changed(layers, settings, page_labels, current),
                         lambda result: self._on_page_built(result, layers), key="map.page")
        self._share(layers)

    def _replace_edited_places(self, layers: dict) -> bool:
        """Only must-visit points or must-patrol lines changed (an edit, an import of them): replace
        those layers in the page instead of reloading it, so the map keeps its zoom and centre."""
        from desktop.map.layers.place_edit import EDITABLE_LAYERS

        shown = self.page_layers
        if shown is None or not self.scene.ready:
            return False
        changed = [name for name in sorted(set(shown) | set(layers)) if shown.get(name, []) != layers.get(name, [])]
        if not changed or any(name not in EDITABLE_LAYERS for name in changed):
            return False
        for name in changed:
            self.scene.place_edit.replace(name, layers.get(name, []))
        self.page_layers = layers
        return True

    def _keep_page(self, result) -> None:
        fp, html = result
        if html is not None:
            if self.cache is not None:
                self.cache.store(html, fp)
            self.scene.keep_page(html, fp)

    def adopt(self, layers: dict, fingerprint: str, html: str | None) -> None:
        """Layers read and the page checked (or built) already, by start-up's background
        opening of the database: show the page first, then share the layers."""
        self._on_page_built((fingerprint, html), layers)
        self._share(layers)

    def _share(self, layers: dict) -> None:
        if self.dock is not None:
            self.dock.set_features(layers)
        self.ws.set_layers(layers)

    def _on_page_built(self, result, layers: dict) -> None:
        fp, html = result
        self.page_layers = layers
        if html is not None:
            if self.cache is not None:
                self.cache.store(html, fp)
            self.scene.load_page(html, fp)
        self.checked = True
        self.sig_page_current.emit()

    def _on_kinds_changed(self, kinds: set) -> None:
        if kinds & set(L.ALL_LAYERS):
            self.refresh()  # another workstation imported or edited map data
