"""The replay's loop: the clock runs, and each frame every view is fed the state at the
replay time from ``core.replay_frame.ReplaySource`` — units (through the window's own
``LiveModel``, so the units board, unit card and map units work as live), incidents
with their state at T, dispatch lines, the selected incident's detail and rings, the
trail of the unit looked at. Playing over an incident's intake moment pauses there
(when the trainee wants it) for a what-if choice, scored by ``core.drills``.

Nothing here writes except, explicitly, a what-if score the trainee saves (through
the workspace's training runner); the workspace's runner refuses every write."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from core.replay_frame import ReplayFrame, ReplaySource
from desktop.controllers.units import UnitDocks, UnitsController
from desktop.map.layers.incidents import IncidentMarker
from desktop.map.units_js import RowSerializer

if TYPE_CHECKING:
    from desktop.map.scene import MapScene
    from desktop.replay.window import ReplayWindow
    from desktop.replay.workspace import ReplayWorkspace

log = logging.getLogger(__name__)
FRAME_MS = 33  # ~30 frames a second while playing
DOCKS_INTERVAL_S = 0.5  # the units board and card while playing
LEAD_IN = timedelta(minutes=2)  # an incident's tick clicked: the replay starts this long before the call
DISPATCH_OVERLAY = "replay_dispatch_lines"


@dataclass(frozen=True)
class _Moved:
    """What ``RowSerializer`` reads of a feed batch: the moved units' fixes, no roster."""

    fixes: dict
    units: None = None


class ReplayUnitsController(UnitsController):
    """The live units controller (selection, card, highlight, follow) with the trail read
    from the replay's position index up to the replay time instead of the database."""

    def __init__(self, workspace, scene, docks, source_of, parent=None):
        super().__init__(workspace, scene, docks, parent)
        self._source_of = source_of
        self.trail_unit: int | None = None

    def _on_trail_requested(self, unit_id: int) -> None:
        self.trail_unit = None if unit_id < 0 else unit_id
        self.refresh_trail()

    def refresh_trail(self) -> None:
        source = self._source_of()
        unit = self.ws.live.units.get(self.trail_unit) if self.trail_unit is not None else None
        if source is None or unit is None:
            self.scene.units.show_trail(None)
            return
        points = source.trail(unit, self.ws.now(), self.ws.settings.live.trail_minutes)
        self.scene.units.show_trail(unit.unit_id, points)


class ReplayController(QObject):
    sig_frame_rendered = Signal(object)  # the replay time shown
    sig_intake_paused = Signal(int)  # incident id: the replay stopped at its intake moment
    sig_ranking_ready = Signal(int)  # incident id: the what-if choices are listed
    sig_scored = Signal(object)  # DrillScore
    sig_saved = Signal(int)  # drill result id

    def __init__(self, workspace: "ReplayWorkspace", scene: "MapScene", window: "ReplayWindow", parent=None):
        super().__init__(parent)
        self.ws = workspace
        self.scene = scene
        self.window = window
        self.source: ReplaySource | None = None
        self.frame: ReplayFrame | None = None
        self.selected_id: int | None = None
        self.ranking: list = []
        self.network = None  # the street network for rings, built off the GUI thread
        self._incident_key: tuple = ()
        self._lines_key: tuple = ()
        self._shown_at: datetime | None = None
        self._docks_shown = 0.0
        # The map's rows, made as the live feed makes them; who each unit is (its status at
        # T included) is re-read only when a status changed.
        self._rows = RowSerializer((), scene.shift)
        self._statuses: dict[int, str] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer)
        self.units = ReplayUnitsController(workspace, scene, UnitDocks(window.units_dock, window.unit_card),
                                           lambda: self.source, self)
        t = window.timeline
        t.sig_play_toggled.connect(self.set_playing)
        t.sig_speed_chosen.connect(self.set_speed)
        t.sig_seek_requested.connect(self.seek)
        t.sig_step_requested.connect(self.step)
        t.sig_incident_requested.connect(self.go_to_incident)
        window.incidents_dock.sig_incident_selected.connect(self.select_incident)
        scene.sig_incident_clicked.connect(self.select_incident)
        window.whatif_dock.sig_score_requested.connect(self.score)
        window.whatif_dock.sig_save_requested.connect(self.save_score)
        workspace.sig_layers_loaded.connect(self._build_network)

    @property
    def clock(self):
        return self.ws.replay_clock

    # --- start and stop ----------------------------------------------------------------
    def start(self, source: ReplaySource) -> None:
        from db.drill_ops import WHAT_IF_PERMISSION

        self.source = source
        allowed = self.ws.may(WHAT_IF_PERMISSION)
        self.window.whatif_dock.set_can_save(allowed, "" if allowed else self.tr(
            "Your role may not store what-ifs (%1)").replace("%1", WHAT_IF_PERMISSION))
        tables = self.ws.code_tables
        self.window.incidents_dock.set_code_tables(tables, self.ws.language)
        self.window.timeline.set_window(source.start, source.end, source.ticks,
                                        {i.id: i.number for i in source.history.incidents})
        self.window.timeline.set_speed(self.clock.rate)
        self.render(self.clock.now())

    def stop(self) -> None:
        self._timer.stop()
        self.clock.pause()

    # --- the clock -------------------------------------------------------------------------
    def set_playing(self, on: bool) -> None:
        if self.source is None:
            return
        if on:
            self.clock.play()
            self._shown_at = self.clock.now()
            self._timer.start()
        else:
            self.clock.pause()
            self._timer.stop()
        self.render(self.clock.now())

    def set_speed(self, speed: int) -> None:
        self.clock.set_rate(speed)
        self.window.timeline.set_speed(speed)

    def seek(self, at: datetime) -> None:
        if self.source is not None:
            self.render(self.clock.seek(at))

    def step(self, direction: int) -> None:
        if self.source is not None:
            self.render(self.clock.step(self.source.tick_times, direction))

    def go_to_incident(self, incident_id: int) -> None:
        """An incident's tick was clicked: a little before its intake, selected once received,
        so that playing on shows the call come in (and pauses there for the what-if)."""
        at = self.source.intake_of(incident_id) if self.source is not None else None
        if at is None:
            return
        self.clock.pause()
        self._timer.stop()
        self.render(self.clock.seek(at - LEAD_IN))
        self.selected_id = incident_id

    def jump_to_incident(self, incident_id: int) -> bool:
        """Seek to an incident's intake moment, paused there for a what-if (``--incident``)."""
        at = self.source.intake_of(incident_id) if self.source is not None else None
        if at is None:
            return False
        self.render(self.clock.seek(at))
        self._on_intake(incident_id)
        return True

    def _on_timer(self) -> None:
        at = self.clock.now()
        before = self._shown_at
        if before is not None and self.window.whatif_dock.pause_at_intake:
            received = self.source.intakes_between(before, at)
            if received:
                at = self.source.intake_of(received[0])
                self.clock.pause()  # first: pausing keeps the time reached, the seek then sets it exactly
                self.clock.seek(at)
                self._timer.stop()
                self.render(at)
                self._on_intake(received[0])
                return
        if not self.clock.playing:
            self._timer.stop()
        self.render(at)

    # --- a frame ---------------------------------------------------------------------------
    def render(self, at: datetime) -> ReplayFrame:
        """Every view fed the state at ``at``: the path each frame of the replay takes."""
        frame = self.source.frame(at)
        self.frame = frame
        self._shown_at = at
        live = self.ws.live
        old = live.units
        # A unit moved when its placing fix (device and time) or its status changed.
        changed = [uid for uid, unit in frame.units.items()
                   if (prev := old.get(uid)) is None or prev.status != unit.status
                   or prev.last_fix.time != unit.last_fix.time or prev.last_fix.device_id != unit.last_fix.device_id]
        statuses = {uid: unit.status for uid, unit in frame.units.items()}
        if statuses != self._statuses:
            self._statuses = statuses
            self._rows.set_roster(frame.units.values())
        # Rows made here in one pass (every unit moves at 600x), handed to the units adapter.
        rows = self._rows(_Moved({uid: frame.units[uid].last_fix for uid in changed}))
        live.show_as_of(frame.units, changed, rows)
        wall = time.monotonic()
        if not self.clock.playing or wall - self._docks_shown >= DOCKS_INTERVAL_S:
            self._docks_shown = wall
            docks = self.ws.docks_live
            docks.show_as_of(frame.units, [uid for uid, unit in frame.units.items() if docks.units.get(uid) is not unit])
        self._show_incidents(frame)
        self._show_lines(frame)
        if self.units.trail_unit is not None:
            self.units.refresh_trail()
        self.window.timeline.show_time(at, self.clock.playing)
        self.sig_frame_rendered.emit(at)
        return frame

    def _show_incidents(self, frame: ReplayFrame) -> None:
        key = tuple((i.id, i.state, i.tier, i.support_requested) for i in frame.incidents)
        if key == self._incident_key:
            return
        self._incident_key = key
        dock = self.window.incidents_dock
        dock.set_incidents(frame.incidents)
        model = dock.model
        self.scene.incidents.update([IncidentMarker(i.id, i.number, i.lon, i.lat, i.level, i.state,
                                                    model.category_label(i.category)) for i in frame.incidents])
        if self.selected_id is not None:
            self._show_detail()

    def _show_lines(self, frame: ReplayFrame) -> None:
        from desktop import theme

        key = tuple((line.dispatch_id, line.status, line.unit_lon, line.unit_lat) for line in frame.lines)
        if key == self._lines_key:
            return
        self._lines_key = key
        colours = {"dispatched": theme.ui_color("warn"), "en_route": theme.ui_color("warn"),
                   "on_scene": theme.ui_color("ok")}
        self.scene.overlays.set(DISPATCH_OVERLAY, [{
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[line.unit_lon, line.unit_lat],
                                                               [line.incident_lon, line.incident_lat]]},
            "properties": {"id": str(line.dispatch_id), "tooltip": line.callsign,
                           "style": {"color": colours.get(line.status, theme.ui_color("warn")), "weight": 3,
                                     "dashArray": None if line.status == "on_scene" else "6 4"}},
        } for line in frame.lines])

    # --- the selected incident ------------------------------------------------------------
    def select_incident(self, incident_id: int) -> None:
        self.selected_id = incident_id
        self.window.incidents_dock.select(incident_id, emit=False)
        self.scene.incidents.select(incident_id)
        self._show_detail()
        self._draw_rings()

    def _show_detail(self) -> None:
        from core.incidents import response_figures

        frame = self.frame
        inc = next((i for i in frame.incidents if i.id == self.selected_id), None) if frame else None
        if inc is None:
            return
        dispatches = [d for d in frame.history.dispatches if d.incident_id == inc.id]
        events = [e for e in frame.history.events if e.incident_id == inc.id]
        dock = self.window.incidents_dock
        dock.show_detail(inc, events, dispatches, response_figures(inc, dispatches)["incident"])
        self.window.hide_actions()

    def _build_network(self) -> None:
        streets = self.ws.layers.get("streets", [])

        def build():
            from core.road_network import RoadNetwork

            return RoadNetwork.from_features(streets) if streets else None

        self.ws.run_task(build, self._on_network, key="replay.network")

    def _on_network(self, network) -> None:
        self.network = network
        if self.selected_id is not None:
            self._draw_rings()

    def _draw_rings(self) -> None:
        """The selected incident's 1-3-5 rings as the dispatcher saw them (the street network
        and travel model in force; the rings do not depend on where units were)."""
        incidents = self.source.history.incidents if self.source else []
        inc = next((i for i in incidents if i.id == self.selected_id), None)
        if inc is None:
            self.scene.rings.clear()
            return
        network, dispatch = self.network, self.ws.settings.dispatch

        def rings():
            from core.dispatch import circle_rings, isochrones
            from core.travel import TravelModel

            model = TravelModel.from_settings(dispatch)
            if network is None:
                return inc.id, circle_rings(inc.lon, inc.lat, model, dispatch.ring_mode), True
            return inc.id, isochrones(network, inc.lon, inc.lat, model, dispatch.ring_mode), False

        self.ws.run_task(rings, self._on_rings, key="replay.rings")

    def _on_rings(self, result) -> None:
        incident_id, rings, estimate = result
        if incident_id == self.selected_id:
            self.scene.rings.show(rings, estimate)

    # --- what-if at intake ---------------------------------------------------------------
    def _on_intake(self, incident_id: int) -> None:
        inc = next((i for i in self.source.history.incidents if i.id == incident_id), None)
        if inc is None:
            return
        self.select_incident(incident_id)
        # The call's surroundings, as a dispatcher looks at them to choose (about 2 km across).
        self.scene.static.fly_to_bounds(inc.lon - 0.012, inc.lat - 0.009, inc.lon + 0.012, inc.lat + 0.009)
        dock = self.window.incidents_dock
        title = self.tr("%1 · %2 received: which units do you send?").replace("%1", inc.number).replace(
            "%2", dock.model.category_label(inc.category))
        self.window.whatif_dock.show_intake(incident_id, title)
        self.ranking = []
        self.sig_intake_paused.emit(incident_id)
        settings = self.ws.settings

        def read(session):
            from db.drill_ops import ranking_at_intake

            # The same ranking the stored what-if is scored against (positions and statuses at intake).
            return incident_id, ranking_at_intake(session, inc, settings)

        self.ws.run_query(read, self._on_ranking)

    def _on_ranking(self, result) -> None:
        incident_id, ranking = result
        if incident_id != self.window.whatif_dock.incident_id:
            return
        self.ranking = ranking
        self.window.whatif_dock.show_ranking(incident_id, ranking)
        self.sig_ranking_ready.emit(incident_id)

    def score(self, callsigns: list[str]):
        from core.drills import score_choice

        incident_id = self.window.whatif_dock.incident_id
        if incident_id is None or not callsigns:
            return None
        result = score_choice(self.ranking, callsigns)
        done = [d for d in self.source.history.dispatches if d.incident_id == incident_id]
        etas = [d.eta_s for d in done if d.eta_s is not None]
        self.window.whatif_dock.show_score(result, list(dict.fromkeys(d.callsign for d in done)),
                                           min(etas) if etas else None)
        self.sig_scored.emit(result)
        return result

    def save_score(self, callsigns: list[str]) -> None:
        """Store the what-if for `drill report`: the one write a replay makes, on purpose,
        through its own runner (``ReplayWorkspace.training_runner``)."""
        incident_id = self.window.whatif_dock.incident_id
        if incident_id is None or not callsigns:
            return
        runner, settings = self.ws.training_runner(), self.ws.settings

        def store():
            from db.drill_ops import record_what_if

            return record_what_if(runner, incident_id, callsigns, settings)

        def done(result) -> None:
            _score, result_id = result
            self.window.whatif_dock.show_saved(result_id)
            self.sig_saved.emit(result_id)

        self.ws.run_task(store, done)
