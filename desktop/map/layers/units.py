"""Live units: canvas markers kept in step with the LiveModel (a full batch when the
roster or a page changes, then only the units that moved), plus the highlighted
unit, the followed unit and one unit's trail."""
from __future__ import annotations

from desktop.live.live_model import LiveModel
from desktop.map.layers.base import LayerAdapter
from desktop.map.units_js import RowSerializer, payload, unit_row, units_payload


class UnitsAdapter(LayerAdapter):
    def __init__(self, scene, live: LiveModel):
        super().__init__(scene)
        self.live = live
        self.seq = 0
        self.highlighted: int | None = None
        self.followed: int | None = None
        self.trail_unit: int | None = None
        self.trail_points: list[list[float]] = []  # [lat, lon, epoch ms] on the basemap
        live.sig_roster_reloaded.connect(self.push_all)
        live.sig_units_changed.connect(self._on_units_changed)

    def row_serializer(self) -> RowSerializer:
        """For the feed worker: serialises moved units' rows off the GUI thread."""
        return RowSerializer(self.live.units.values(), self.shift)

    def _full_payload(self) -> str:
        s = self.scene.settings
        self.seq += 1
        return units_payload(self.live.units.values(), self.live.now(), full=True, seq=self.seq,
                             stale_after_s=s.live.stale_after_s, label_min_zoom=s.map.label_min_zoom, shift=self.shift)

    def push_all(self, view=None) -> int:
        text = self._full_payload()
        for v in ([view] if view is not None else self.scene.ready_views()):
            v.bridge.push_units(text)
        return self.seq

    def _on_units_changed(self, ids: list[int]) -> None:
        views = self.scene.ready_views()
        ready = self.live.take_prepared(ids)  # handed over once, even with no view to show them
        if not views:
            return
        rows = []
        for i in ids:
            row = ready.get(i)
            if row is None and i in self.live.units:
                row = unit_row(self.live.units[i], self.shift)
            if row is not None:
                rows.append(row)
        s = self.scene.settings
        self.seq += 1
        text = payload(rows, self.live.now(), full=False, seq=self.seq, stale_after_s=s.live.stale_after_s,
                       label_min_zoom=s.map.label_min_zoom)
        for v in views:
            v.bridge.push_units(text)

    # --- one unit ---------------------------------------------------------------------
    def highlight(self, unit_id: int | None) -> None:
        self.highlighted = unit_id
        self._call("highlightUnit", unit_id)

    def follow(self, unit_id: int | None) -> None:
        self.followed = unit_id
        self._call("followUnit", unit_id)

    def show_trail(self, unit_id: int | None, points: list[tuple[float, float, int]] | None = None) -> None:
        """``points``: [(lon, lat, epoch ms)] in WGS84, oldest first; None/[] with no unit clears."""
        self.trail_unit = unit_id
        self.trail_points = self.shift.latlngs(points or []) if unit_id is not None else []
        self._call("showTrail", unit_id, self.trail_points, self.scene.settings.live.trail_minutes)

    def replay(self, view) -> None:
        self.push_all(view)
        if self.highlighted is not None:
            self._call("highlightUnit", self.highlighted, view=view)
        if self.followed is not None:
            self._call("followUnit", self.followed, view=view)
        if self.trail_unit is not None:
            self._call("showTrail", self.trail_unit, self.trail_points, self.scene.settings.live.trail_minutes,
                       view=view)
