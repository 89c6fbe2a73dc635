"""What the wall shows and when: today's figures and the ticker read in the background
(on every change and at least every ``refresh_s``), incidents and the focus
incident's rings on the map, the auto-cycle between views, the flash of a new
serious incident, burn-in shifts, and the outage banner with reconnection by back-off.

It takes the workspace, the map scene and the wall window, like the workstation's
controllers, and never writes: every read is a SELECT."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.daily_figures import DailyFigures, is_today
from core.wall_views import WallView, around, backoff_s, burn_in_offset, cycle_views, focus_incident, newest_first, to_flash
from desktop import labels
from desktop.errors import outage_reason
from desktop.map.layers.incidents import IncidentMarker
from desktop.wall.ticker import TickerRow

if TYPE_CHECKING:
    from desktop.map.scene import MapScene
    from desktop.wall.window import WallWindow
    from desktop.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WallRead:
    incidents: list  # IncidentSnapshot: today's and the still-open ones
    figures: DailyFigures
    read_at: datetime


class WallController(QObject):
    sig_refreshed = Signal()  # a read landed and is shown (tests wait for it)
    sig_link_changed = Signal(bool)  # False: the database is unreachable; True: back
    sig_view_changed = Signal(object)  # the WallView the map now shows

    def __init__(self, workspace: "Workspace", scene: "MapScene", window: "WallWindow", parent=None):
        super().__init__(parent)
        self.ws = workspace
        self.scene = scene
        self.window = window
        self.wall = workspace.settings.wall
        self.started = False
        self.last: WallRead | None = None
        self.seen_ids: set[int] | None = None
        self.lost_since: datetime | None = None
        self.lost_reason = ""
        self.read_failing = False
        self.feed_failing = False
        self.attempt = 0
        self.views: list[WallView] = []
        self.view_index = -1
        self.current_view: WallView | None = None
        self.held: Any | None = None  # the new incident the map holds on
        self._return_to: WallView | None = None  # the view to go back to when the hold ends
        self.focus_id: int | None = None
        self.network = None  # the road network for road rings (None: straight-line estimates)
        self.burn_step = 0

        def timer(ms: int, slot, single: bool = False) -> QTimer:
            t = QTimer(self)
            t.setInterval(ms)
            t.setSingleShot(single)
            t.timeout.connect(slot)
            return t

        self.refresh_timer = timer(max(1, self.wall.refresh_s) * 1000, self.refresh)
        self.cycle_timer = timer(max(5, self.wall.cycle_s) * 1000, self.next_view)
        self.hold_timer = timer(max(1, self.wall.flash_s) * 1000, self.release_hold, single=True)
        self.retry_timer = timer(1000, lambda: self.refresh(force=True), single=True)
        self.burn_timer = timer(max(1, round(self.wall.burn_in_minutes * 60_000)), self.burn_in)
        self.age_timer = timer(1000, self._show_age)
        workspace.sig_changed.connect(self._on_kinds_changed)
        workspace.sig_layers_loaded.connect(self._on_layers_loaded)
        workspace.sig_feed_status.connect(self.on_feed_status)
        # The window may go first (closed, or a test's teardown): nothing may touch it afterwards.
        self._window_gone = False
        window.destroyed.connect(self._on_window_destroyed)

    # --- life ------------------------------------------------------------------------------
    def start(self) -> None:
        self.started = True
        self._on_layers_loaded()
        self.refresh(force=True)
        for t in (self.refresh_timer, self.cycle_timer, self.burn_timer):
            t.start()

    def stop(self) -> None:
        self.started = False
        for t in (self.refresh_timer, self.cycle_timer, self.hold_timer, self.retry_timer, self.burn_timer,
                  self.age_timer):
            t.stop()

    # --- reading -------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Read the figures and incidents in the background. While the database is
        unreachable only the back-off timer (``force``) tries again."""
        if not self.started or self.ws.sessions is None or (self.read_failing and not force):
            return
        units = list(self.ws.live.units.values())
        now = self.ws.now()
        zone = self.ws.timezone
        stale_after_s = self.ws.settings.live.stale_after_s

        def read(session) -> WallRead:
            from core.daily_figures import daily_figures, local_day_start
            from db.wall_repo import read_wall_data

            data = read_wall_data(session, local_day_start(now, zone), now)
            figures = daily_figures(units, data.incidents, data.dispatches, now, zone, stale_after_s,
                                    joint_patrols=data.joint_patrols, overdue_work_orders=data.overdue_work_orders)
            return WallRead(data.incidents, figures, now)

        self.ws.run_query(read, self._on_read, on_error=self._on_read_failed, key="wall.read")

    def _on_read(self, result: WallRead) -> None:
        if not self.started:
            return
        self.last = result
        self.read_failing = False
        self.attempt = 0
        self._update_link()
        self.window.kpi.show_figures(result.figures)
        self.window.ticker.set_rows(self._ticker_rows(result.incidents))
        self._show_incidents(result.incidents)
        new = to_flash(self.seen_ids, result.incidents, self.wall.flash_levels)
        self.seen_ids = {i.id for i in result.incidents}
        if new:
            self.window.ticker.flash([i.id for i in new], self.wall.flash_s)
            self.hold(new[0])
        self.sig_refreshed.emit()

    def _on_read_failed(self, exc: BaseException) -> None:
        if not self.started:
            return
        log.warning("wall read failed: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        self.read_failing = True
        self.lost_reason = outage_reason(exc)
        self.attempt += 1
        self.retry_timer.setInterval(int(backoff_s(self.attempt, 1.0, self.wall.reconnect_max_s) * 1000))
        self.retry_timer.start()
        self._update_link()

    def on_feed_status(self, status: str | None) -> None:
        """The change feed lost (a reason) or regained (None) the database."""
        was = self.feed_failing
        self.feed_failing = status is not None
        if status is not None:
            self.lost_reason = self.lost_reason or status
        self._update_link()
        if was and not self.feed_failing and self.read_failing:
            self.refresh(force=True)  # the database is back: do not wait for the back-off

    def _update_link(self) -> None:
        if self._window_gone:
            return
        lost = self.read_failing or self.feed_failing
        if lost and self.lost_since is None:
            self.lost_since = self.ws.now()
            self.age_timer.start()
            self.sig_link_changed.emit(False)
        elif not lost and self.lost_since is not None:
            self.lost_since = None
            self.lost_reason = ""
            self.age_timer.stop()
            self.window.banner.clear_lost()
            self.window.set_stale(None)
            self.sig_link_changed.emit(True)
        if lost:
            self._show_age()

    def _on_window_destroyed(self, *_args) -> None:
        self._window_gone = True
        self.stop()

    def _show_age(self) -> None:
        if self.lost_since is None or self._window_gone:
            return
        next_s = (self.retry_timer.remainingTime() / 1000) if self.retry_timer.isActive() else None
        self.window.banner.show_lost(self.lost_since, self.lost_reason, next_s)
        shown_at = self.last.read_at if self.last is not None else None
        age = labels.age_text((self.ws.now() - shown_at).total_seconds()) if shown_at else labels.age_text(None)
        self.window.set_stale(self.tr("Data as of %1 (%2 ago)").replace(
            "%1", labels.local_time(shown_at, self.ws.timezone) if shown_at else "—").replace("%2", age))

    def _on_kinds_changed(self, kinds: set) -> None:
        if kinds & {"incidents", "units", "patrol", "workorders"}:
            self.refresh()

    # --- what the map and the ticker show -------------------------------------------------
    def _ticker_rows(self, incidents: list) -> list[TickerRow]:
        tables = self.ws.code_tables
        lang = self.ws.language
        level = {e.code: e.label(lang) for e in tables.get("level", [])}
        category = {e.code: e.label(lang) for e in tables.get("category", [])}
        states = labels.state_names()
        grids = self.ws.grid_names()
        rows = []
        now = self.ws.now()
        for i in newest_first(incidents, max(1, self.wall.ticker_rows)):
            # Today's incidents by time; older ones still open also by date.
            when = labels.local_time(i.received_at, self.ws.timezone, with_date=not is_today(i.received_at, now,
                                                                                           self.ws.timezone))
            head = f"{when[:-3]}  {level.get(i.level, i.level)} · {category.get(i.category, i.category)}"
            tail = " · ".join(filter(None, [grids.get(i.grid_code, i.grid_code), states.get(i.state, i.state), i.number]))
            rows.append(TickerRow(i.id, i.level, head, tail, closed=not i.is_open))
        return rows

    def _show_incidents(self, incidents: list) -> None:
        category = {e.code: e.label(self.ws.language) for e in self.ws.code_tables.get("category", [])}
        open_ = [i for i in incidents if i.is_open]
        self.scene.incidents.update([IncidentMarker(i.id, i.number, i.lon, i.lat, i.level, i.state,
                                                    category.get(i.category, i.category)) for i in open_])
        focus = self.held or focus_incident(open_)
        self._set_focus(focus)
        self._rebuild_views(focus)

    def _set_focus(self, incident) -> None:
        """The focus incident's 1/3/5-minute rings on the map. (It is not selected: the
        page pans to a selected incident, and the wall's views decide where the map looks.)"""
        if incident is None:
            if self.focus_id is not None:
                self.focus_id = None
                self.scene.rings.clear()
            return
        if incident.id == self.focus_id:
            return
        self.focus_id = incident.id
        settings = self.ws.settings.dispatch
        network = self.network
        lon, lat, incident_id = incident.lon, incident.lat, incident.id

        def rings():
            from core.dispatch import circle_rings, isochrones
            from core.travel import TravelModel

            model = TravelModel.from_settings(settings)
            if network is not None:
                return incident_id, isochrones(network, lon, lat, model, settings.ring_mode), False
            return incident_id, circle_rings(lon, lat, model, settings.ring_mode), True

        self.ws.run_task(rings, self._on_rings, key="wall.rings")

    def _on_rings(self, result) -> None:
        incident_id, rings, estimate = result
        if incident_id == self.focus_id and self.started:
            self.scene.rings.show(rings, estimate=estimate)

    def _on_layers_loaded(self) -> None:
        streets = self.ws.layers.get("streets", [])
        if streets:
            def build():
                from core.road_network import RoadNetwork

                return RoadNetwork.from_features(streets)

            self.ws.run_task(build, self._on_network, key="wall.network")
        focus = self.held
        if focus is None and self.last is not None:
            focus = focus_incident(i for i in self.last.incidents if i.is_open)
        self._rebuild_views(focus)

    def _on_network(self, network) -> None:
        """Road rings from now on; the focus incident's straight-line estimate is redrawn."""
        self.network = network
        focus = self.focus_id
        self.focus_id = None
        if focus is not None and self.last is not None:
            self._set_focus(next((i for i in self.last.incidents if i.id == focus), None))

    def _rebuild_views(self, focus) -> None:
        grids = [(g.code, g.bbox) for g in self.ws.layers.get("grids", [])]
        self.views = cycle_views(grids, focus)

    # --- the auto-cycle and the hold on a new incident ------------------------------------
    def next_view(self) -> None:
        if self.held is not None or not self.views:
            return
        self.view_index = (self.view_index + 1) % len(self.views)
        self.show_view(self.views[self.view_index])

    def show_view(self, view: WallView) -> None:
        self.current_view = view
        self.scene.static.fly_to_bounds(*view.bbox)
        self.sig_view_changed.emit(view)

    def hold(self, incident) -> None:
        """A new serious incident: the map flies to it and stays there for ``flash_s``,
        the cycle paused; then it returns to the view it left."""
        returning = self.current_view if self.held is None else None
        self.held = incident
        if returning is not None:
            self._return_to = returning
        self._set_focus(incident)
        self.current_view = WallView("incident", str(incident.id), around(incident.lon, incident.lat))
        self.scene.static.fly_to_bounds(*self.current_view.bbox)
        self.sig_view_changed.emit(self.current_view)
        self.cycle_timer.stop()
        self.hold_timer.start()

    def release_hold(self) -> None:
        self.held = None
        back, self._return_to = self._return_to, None
        if self.last is not None:
            self._show_incidents(self.last.incidents)
        if back is not None:
            self.show_view(back)
        if self.started:
            self.cycle_timer.start()

    # --- burn-in ---------------------------------------------------------------------------
    def burn_in(self) -> None:
        self.burn_step += 1
        self.window.shift(*burn_in_offset(self.burn_step, self.wall.burn_in_px))
