"""The statistics dock (统计研判): loads the chosen period's PeriodReport off the GUI thread
(db.stats_repo.load_period_report, the one loader `gridcommand stats` and `report` use too)
and re-reads it when an event it counts is written anywhere, and every few minutes (a work
order's light turns with the clock alone)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.controllers.feature import FeatureController

if TYPE_CHECKING:
    from desktop.docks.statistics import StatisticsDock, StatisticsRequested
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace


class StatisticsController(FeatureController):
    # every change kind a figure counts: incidents and their outcomes, patrol events,
    # findings, work orders, commendations, and the grids a period is cut by
    KINDS = frozenset({"incidents", "patrol", "findings", "workorders", "commendations", "grids"})
    REFRESH_MS = 300_000  # a month's figures do not move by the minute; lights do, slowly

    def __init__(self, workspace: "Workspace", scene: "MapScene", dock: "StatisticsDock", parent=None):
        super().__init__(workspace, scene, dock, parent)
        self.report = None
        self.stale = True  # a change or a tick came while the dock was out of sight
        dock.sig_period_requested.connect(self._on_period_requested)
        dock.visibilityChanged.connect(self._on_visibility_changed)

    def start(self) -> None:
        self.dock.set_today(self._today())
        super().start()

    def _today(self):
        from zoneinfo import ZoneInfo

        return self.ws.now().astimezone(ZoneInfo(self.ws.timezone)).date()

    def reload(self) -> None:
        if self.ws.sessions is None:
            return
        if not self.dock.isVisible():
            # A month of figures is a real query: read it when someone looks, not at start-up
            # behind a tab, nor on every incident written while nobody looks.
            self.stale = True
            return
        self.stale = False
        request = self.dock.current_request()
        zone, now = self.ws.timezone, self.ws.now()

        def read(session):
            from db.places_repo import load_layer
            from db.stats_repo import load_period_report

            grids = [(g.code, g.name) for g in load_layer(session, "grids")]
            report = load_period_report(session, start=request.start, end=request.end, grid_code=request.grid_code,
                                        time_zone=zone, now=now)
            return grids, report

        self.ws.run_query(read, self._on_loaded, key="statistics.reload")

    def _on_loaded(self, result) -> None:
        grids, report = result
        self.dock.set_grids(grids)
        asked = self.dock.current_request()
        if (asked.start, asked.end, asked.grid_code) != (report.start, report.end, report.grid_code):
            return  # the user has since asked for another period: its load is on its way
        self.report = report
        self.dock.show_report(report, self.category_labels())

    def category_labels(self) -> dict[str, str]:
        language = self.ws.language
        return {e.code: e.label(language) for e in self.ws.code_tables.get("category", [])}

    def _on_visibility_changed(self, visible: bool) -> None:
        if visible and self.stale:
            self.reload()

    def _on_period_requested(self, _request: "StatisticsRequested") -> None:
        self.reload()

