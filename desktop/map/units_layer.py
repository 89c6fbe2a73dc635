"""Keeps the page's unit markers in step with the LiveModel: a full batch when the
roster or the page changes, then only the units that moved."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.settings import Settings
from desktop.live.live_model import LiveModel
from desktop.map.units_js import RowSerializer, payload, unit_row, units_payload
from desktop.map.view import MapView


class UnitsLayer(QObject):
    def __init__(self, live: LiveModel, view: MapView, settings: Settings, parent=None):
        super().__init__(parent)
        self.live = live
        self.view = view
        self.settings = settings
        self.seq = 0
        live.sig_roster_reloaded.connect(self.push_all)
        live.sig_units_changed.connect(self._on_units_changed)
        view.bridge.sig_page_ready.connect(lambda _info: self.push_all())

    @property
    def basemap_crs(self) -> str:
        b = self.settings.basemap
        return b.crs if b.kind != "none" else "wgs84"

    def row_serializer(self) -> RowSerializer:
        """For the feed worker: serialises moved units' rows off the GUI thread."""
        return RowSerializer(self.live.units.values(), self.basemap_crs)

    def push_all(self) -> int:
        self.seq += 1
        self.view.bridge.push_units(units_payload(
            self.live.units.values(), self.live.now(), full=True, seq=self.seq,
            stale_after_s=self.settings.live.stale_after_s, label_min_zoom=self.settings.map.label_min_zoom,
            basemap_crs=self.basemap_crs))
        return self.seq

    def _on_units_changed(self, ids: list[int]) -> None:
        ready = self.live.take_prepared(ids)
        rows = []
        for i in ids:
            row = ready.get(i)
            if row is None and i in self.live.units:
                row = unit_row(self.live.units[i], self.basemap_crs)
            if row is not None:
                rows.append(row)
        self.seq += 1
        self.view.bridge.push_units(payload(rows, self.live.now(), full=False, seq=self.seq,
                                            stale_after_s=self.settings.live.stale_after_s,
                                            label_min_zoom=self.settings.map.label_min_zoom))
