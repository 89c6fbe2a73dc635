"""Patrol duty (巡防): the patrol dock for one grid and shift, and the map overlay that
colours must-visit points (visited / due / missed) and must-patrol lines by coverage.
Check-ins and joint patrols are detected by `serve` (or the demo's feeds) and stored as
events; this only reads them, when they change and once a minute (a slot turns missed
with the clock alone)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from desktop.controllers.feature import FeatureController

if TYPE_CHECKING:
    from desktop.docks.patrol import PatrolDock, PatrolPlaceSelected, PatrolViewRequested
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace

OVERLAY = "patrol"


def current_choice(session, now, zone: str, grid_code: str | None, shift_code: str | None):
    """(grids, shifts, grid, shift, local day) to show: the chosen ones, else the first grid and
    the shift running now (an overnight shift that began yesterday counts)."""
    from zoneinfo import ZoneInfo

    from core.patrol_rules import shift_instance
    from db.duty_ops import shift_rule, shifts_in_force
    from db.places_repo import load_layer

    grids = [(g.code, g.name) for g in load_layer(session, "grids")]
    rows = shifts_in_force(session, now)
    shifts = [(s.code, s.name) for s in rows]
    today = now.astimezone(ZoneInfo(zone)).date()
    day = today
    if shift_code is None:
        for row in rows:
            rule = shift_rule(row)
            for candidate in (today, today - timedelta(days=1)):
                start, end = shift_instance(rule, candidate, zone)
                if start <= now < end:
                    shift_code, day = row.code, candidate
                    break
            if shift_code is not None:
                break
    else:
        for row in rows:
            if row.code == shift_code:
                start, _ = shift_instance(shift_rule(row), today, zone)
                day = today if start <= now else today - timedelta(days=1)
    if shift_code is None and shifts:
        shift_code = shifts[0][0]
    if grid_code is None and grids:
        grid_code = grids[0][0]
    return grids, shifts, grid_code, shift_code, day


class PatrolController(FeatureController):
    KINDS = frozenset({"patrol", "points", "lines", "duty", "shifts"})

    def __init__(self, workspace: "Workspace", scene: "MapScene", dock: "PatrolDock", parent=None):
        super().__init__(workspace, scene, dock, parent)
        self.grid_code: str | None = None
        self.shift_code: str | None = None
        self.status = None
        dock.sig_view_requested.connect(self._on_view_requested)
        dock.sig_place_selected.connect(self._on_place_selected)

    def reload(self) -> None:
        if self.ws.sessions is None:
            return
        now, zone, settings = self.ws.now(), self.ws.timezone, self.ws.settings.patrol
        grid_code, shift_code = self.grid_code, self.shift_code

        def read(session):
            from db.patrol_report import grid_status

            grids, shifts, grid, shift, day = current_choice(session, now, zone, grid_code, shift_code)
            status = grid_status(session, grid, shift, day, now, settings, zone) if grid and shift else None
            return grids, shifts, status

        self.ws.run_query(read, self._on_loaded, key="patrol.reload")

    def _on_loaded(self, result) -> None:
        from core.patrol_status import patrol_map_features

        grids, shifts, status = result
        self.dock.set_choices(grids, shifts)
        if status is None:
            self.scene.overlays.clear(OVERLAY)
            return
        self.status = status
        self.grid_code, self.shift_code = status.grid_code, status.shift_code
        self.dock.show_status(status)
        self.scene.overlays.set(OVERLAY, patrol_map_features(status))

    def _on_view_requested(self, request: "PatrolViewRequested") -> None:
        self.grid_code, self.shift_code = request.grid_code, request.shift_code
        self.reload()

    def _on_place_selected(self, selected: "PatrolPlaceSelected") -> None:
        layer = {"point": "points", "line": "lines"}.get(selected.kind)
        if layer is not None:
            self.scene.static.show_feature(layer, selected.code)
