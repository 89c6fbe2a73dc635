"""The command centre's loop: intake → recommendation and rings → dispatch → arrival →
escalation → close. Every read runs in the background through the workspace, every
write through its operation runner; each change refreshes what is shown once, from
the change feed (an operation wakes it)."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.gazetteer_types import Place
from core.incident_actions import (
    CoordinateInputError, EscalationOrder, IncidentDraft, SupportRequest, TransitionRequest, TypedCoordinates,
    parse_coordinates,
)
from core.incidents import DispatchRequest, IncidentSnapshot
from desktop.errors import coordinate_error_text
from desktop.map.layers.incidents import IncidentMarker

if TYPE_CHECKING:
    from core.dispatch import Recommendation
    from desktop.docks.dispatch import DispatchDock
    from desktop.docks.escalation import EscalationDock
    from desktop.docks.incidents import IncidentsDock
    from desktop.docks.intake import IntakeDock
    from desktop.docks.unit_card import UnitCardDock
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace

log = logging.getLogger(__name__)
from core.dispatch_view import ROWS_SHOWN as DISPATCH_ROWS  # noqa: E402 - the rows the dispatch list shows (routes only for these)


@dataclass
class IncidentDocks:
    intake: "IntakeDock"
    incidents: "IncidentsDock"
    dispatch: "DispatchDock"
    escalation: "EscalationDock"
    unit_card: "UnitCardDock"


@dataclass(frozen=True)
class PlaceIndex:
    """What the controller derives from the static layers, built off the GUI thread."""

    places: tuple[Place, ...]
    network: Any  # RoadNetwork | None
    grids: Any  # GridIndex


@dataclass(frozen=True)
class SelectedDetail:
    incident: IncidentSnapshot
    timeline: list
    dispatches: list


@dataclass(frozen=True)
class Ranking:
    incident_id: int
    mode: str
    shown: list  # the tiers ordered in so far, best first (at most DISPATCH_ROWS)
    all: list  # every tier: for the escalation picture
    rings: dict
    picture: Any  # EscalationPicture


def build_place_index(layers: dict) -> PlaceIndex:
    from core.gazetteer import build_gazetteer
    from core.grid_lookup import GridIndex, geometry_from_geojson
    from core.road_network import RoadNetwork

    streets = layers.get("streets", [])
    return PlaceIndex(places=tuple(build_gazetteer(layers)),
                      network=RoadNetwork.from_features(streets) if streets else None,
                      grids=GridIndex((g.code, geometry_from_geojson(g.geometry)) for g in layers.get("grids", [])))


class IncidentController(QObject):
    sig_recommendations_ready = Signal(int)  # incident id; tests and benchmarks wait for it
    sig_incidents_loaded = Signal()

    def __init__(self, workspace: "Workspace", scene: "MapScene", docks: IncidentDocks, parent=None):
        super().__init__(parent)
        self.ws = workspace
        self.scene = scene
        self.docks = docks
        self.index: PlaceIndex | None = None
        self.incidents: dict[int, IncidentSnapshot] = {}
        self.selected_id: int | None = None
        self.detail: SelectedDetail | None = None
        self.recommendations: list = []
        self.recommendations_all: list = []
        self._stopped = False
        self.outcome_dialog = None  # the 办结 outcome dialog while it is open
        # Units move all the time; the ranking follows them at most once a second.
        self._rerank_timer = QTimer(self)
        self._rerank_timer.setSingleShot(True)
        self._rerank_timer.setInterval(1000)
        self._rerank_timer.timeout.connect(self.rerank)
        d = docks
        d.intake.sig_pick_requested.connect(self._on_pick_requested)
        d.intake.sig_coordinates_typed.connect(self._on_coordinates_typed)
        d.intake.sig_place_query.connect(self._on_place_query)
        d.intake.sig_place_chosen.connect(lambda p: self.set_location(p.lon, p.lat, p.name))
        d.intake.sig_incident_submitted.connect(self._on_incident_submitted)
        d.intake.sig_duplicate_chosen.connect(self.select_incident)
        d.incidents.sig_incident_selected.connect(self.select_incident)
        d.incidents.sig_transition_requested.connect(self._on_transition_requested)
        d.incidents.sig_release_requested.connect(self._on_release_requested)
        d.incidents.sig_support_requested.connect(self._on_support_requested)
        d.unit_card.sig_dispatch_requested.connect(self._on_unit_dispatch_requested)
        d.dispatch.sig_mode_changed.connect(lambda _m: self.rerank())
        d.dispatch.sig_dispatch_requested.connect(self._on_dispatch_requested)
        d.dispatch.sig_route_hovered.connect(self._on_route_hovered)
        d.escalation.sig_escalation_ordered.connect(self._on_escalation_ordered)
        scene.sig_map_clicked.connect(self._on_map_clicked)
        scene.sig_incident_clicked.connect(self.select_incident)
        workspace.sig_changed.connect(self._on_kinds_changed)
        workspace.sig_layers_loaded.connect(self.layers_changed)
        workspace.live.sig_roster_reloaded.connect(self._on_units_moved)
        workspace.live.sig_units_changed.connect(lambda _ids: self._on_units_moved())

    # --- data ------------------------------------------------------------------------------
    def start(self) -> None:
        """Once the database is open: vocabularies, the place index, the open incidents."""
        tables = self.ws.code_tables
        self.docks.intake.set_code_tables(tables, self.ws.language)
        self.docks.incidents.set_code_tables(tables, self.ws.language)
        self.layers_changed()
        self.reload()

    def stop(self) -> None:
        """Before the page goes away: nothing queued may reach it afterwards."""
        self._stopped = True
        self._rerank_timer.stop()

    def layers_changed(self) -> None:
        layers = self.ws.layers
        self.ws.run_task(lambda: build_place_index(layers), self._on_index_built, key="incidents.index")

    def _on_index_built(self, index: PlaceIndex) -> None:
        self.index = index
        if self.selected_id is not None:
            self.rerank()

    def reload(self) -> None:
        """Open incidents, and the selected one's detail, in one background read."""
        if self._stopped or self.ws.sessions is None:
            return
        selected = self.selected_id

        def read(session):
            from db.incidents_repo import dispatches_for, get_incident, open_incidents, timeline

            detail = None
            if selected is not None:
                inc = get_incident(session, selected)
                if inc is not None:
                    detail = SelectedDetail(inc, timeline(session, inc.id), dispatches_for(session, inc.id))
            return open_incidents(session), detail

        self.ws.run_query(read, self._on_loaded, on_error=self._on_load_failed, key="incidents.reload")

    def _on_load_failed(self, exc: BaseException) -> None:
        log.warning("incidents not reloaded: %s", exc)  # the feed reports the outage; keep what is shown

    def _on_loaded(self, result) -> None:
        if self._stopped:
            return
        incidents, detail = result
        self.incidents = {i.id: i for i in incidents}
        self.docks.incidents.set_incidents(incidents)
        if self.selected_id in self.incidents:
            self.docks.incidents.select(self.selected_id, emit=False)
        model = self.docks.incidents.model
        self.scene.incidents.update([IncidentMarker(i.id, i.number, i.lon, i.lat, i.level, i.state,
                                                    model.category_label(i.category)) for i in incidents])
        self.sig_incidents_loaded.emit()
        if detail is not None and detail.incident.id == self.selected_id:
            self._show_detail(detail)

    def _show_detail(self, detail: SelectedDetail) -> None:
        from core.incidents import response_figures

        self.detail = detail
        inc = detail.incident
        figures = response_figures(inc, detail.dispatches)["incident"]
        self.docks.incidents.show_detail(inc, detail.timeline, detail.dispatches, figures)
        self.rerank()

    def _on_kinds_changed(self, kinds: set) -> None:
        if "incidents" in kinds or "units" in kinds:
            self.reload()

    def _on_units_moved(self) -> None:
        if self.selected_id is not None and not self._rerank_timer.isActive():
            self._rerank_timer.start()

    # --- selection, recommendation and rings ---------------------------------------------
    def select_incident(self, incident_id: int, reload: bool = True) -> None:
        self.selected_id = incident_id
        self.docks.incidents.select(incident_id, emit=False)
        self.scene.incidents.select(incident_id)
        if reload:
            self.reload()

    def refresh_selected(self) -> None:
        self.reload()

    def rerank(self) -> None:
        """Rank the units for the selected incident and draw its rings, in the background."""
        detail = self.detail
        if self._stopped or detail is None or detail.incident.id != self.selected_id or self.index is None:
            return
        inc = detail.incident
        if not inc.is_open:
            self.recommendations, self.recommendations_all = [], []
            self.docks.dispatch.clear()
            self.docks.escalation.clear()
            self.scene.rings.clear()
            self.sig_recommendations_ready.emit(inc.id)
            return
        settings = self.ws.settings
        network = self.index.network
        mode = self.docks.dispatch.mode if network is not None else "straight"
        units = list(self.ws.live.units.values())
        now = self.ws.now()
        tables = self.ws.code_tables
        dispatches = detail.dispatches

        def rank() -> Ranking:
            from core.code_tables import needs_by_category
            from core.dispatch_view import incident_ranking
            from core.travel import TravelModel

            # Exactly what `gridcommand bench recommend` times.
            view, picture = incident_ranking(
                inc, units, dispatches, needs=needs_by_category(tables).get(inc.category, "any"), now=now,
                model=TravelModel.from_settings(settings.dispatch), settings=settings.dispatch,
                stale_after_s=settings.live.stale_after_s, mode=mode, network=network, rows=DISPATCH_ROWS)
            return Ranking(inc.id, "straight" if view.straight else "road", view.shown, view.ranked, view.rings,
                           picture)

        self.ws.run_task(rank, self._on_ranked, key="incidents.rank")

    def _on_ranked(self, ranking: Ranking) -> None:
        from core.dispatch import ring_counts

        if self._stopped or ranking.incident_id != self.selected_id or self.detail is None:
            return
        inc = self.detail.incident
        self.recommendations, self.recommendations_all = ranking.shown, ranking.all
        self.scene.rings.show(ranking.rings, estimate=ranking.mode == "straight")
        title = self.tr("%1 · units that can reach it, fastest first").replace("%1", inc.number)
        self.docks.dispatch.show_recommendations(title, ranking.shown, ring_counts(ranking.shown),
                                                 ranking.mode == "straight", incident_id=inc.id)
        self.docks.escalation.show_picture(ranking.picture)
        self.sig_recommendations_ready.emit(inc.id)

    def _on_route_hovered(self, rec: "Recommendation | None") -> None:
        if rec is None or not rec.route:
            self.scene.route.clear()
        else:
            self.scene.route.show(rec.route)

    # --- intake ---------------------------------------------------------------------------
    @property
    def picking(self) -> bool:
        return self.scene.pick.picking and self.scene.pick.owner == "intake"

    def _on_pick_requested(self, on: bool) -> None:
        self.scene.pick.set_mode(on, "intake")

    def _on_map_clicked(self, lon: float, lat: float) -> None:
        if not self.picking:
            self.docks.intake.set_picking(False)  # another form took the pick mode over
            return
        self.scene.pick.set_mode(False)
        self.set_location(lon, lat)

    def _on_coordinates_typed(self, typed: TypedCoordinates) -> None:
        try:
            lon, lat = parse_coordinates(typed)
        except CoordinateInputError as exc:
            self.docks.intake.show_error(coordinate_error_text(exc.kind))
            return
        self.set_location(lon, lat)

    def _on_place_query(self, text: str) -> None:
        from core.gazetteer import search

        self.docks.intake.show_places(search(self.index.places, text, limit=12) if self.index and text else [])

    def grid_name(self, lon: float, lat: float) -> str | None:
        code = self.index.grids.grid_of(lon, lat) if self.index is not None else None
        return self.ws.grid_names().get(code, code) if code else None

    def set_location(self, lon: float, lat: float, describe: str = "") -> None:
        """A WGS84 location for intake, however it was chosen: the dock and the map show it."""
        self.docks.intake.show_location(lon, lat, self.grid_name(lon, lat), describe)
        self.scene.pick.set_picked((lon, lat))

    def _on_incident_submitted(self, draft: IncidentDraft) -> None:
        settings = self.ws.settings

        def create(runner):
            from db.incident_ops import create_incident

            data = {k: v for k, v in asdict(draft).items() if v is not None}
            return create_incident(runner, settings=settings.dispatch, tz=self.ws.timezone, **data)

        self.ws.run_op(create, self._on_incident_created)

    def _on_incident_created(self, result) -> None:
        incident, duplicates = result
        intake = self.docks.intake
        intake.show_duplicates([(d.id, d.number) for d in duplicates])
        intake.clear_form()
        self.scene.pick.set_picked(None)
        # The change feed's refresh (woken by the operation) loads it with its detail: one refresh.
        self.select_incident(incident.id, reload=False)

    # --- actions --------------------------------------------------------------------------
    def _op(self, fn) -> None:
        """An operation on incidents; a conflict is explained and the fresh state shown."""
        self.ws.run_op(fn, on_error=self._on_op_failed)

    def _on_op_failed(self, exc: BaseException) -> None:
        message = self.ws.report(exc)
        if message.conflict:
            self.reload()

    def _on_dispatch_requested(self, chosen: list) -> None:
        inc = self.incidents.get(self.selected_id)
        if inc is None:
            return
        requests = [DispatchRequest(unit_id=r.unit_id, mode=r.mode, eta_s=r.eta_s, ring=r.ring,
                                    distance_m=r.distance_m, tier=r.tier) for r in chosen]

        def dispatch(runner):
            from db.incident_ops import dispatch_units

            return dispatch_units(runner, inc.id, requests, expected_version=inc.version)

        self._op(dispatch)

    def _on_transition_requested(self, request: TransitionRequest) -> None:
        if request.target == "closed":  # 办结 records the outcome: ask for it first
            self._ask_outcome(request)
            return

        def move(runner):
            from db.incident_ops import transition

            return transition(runner, request.incident_id, request.target, expected_version=request.version)

        self._op(move)

    def _ask_outcome(self, request: TransitionRequest) -> None:
        from desktop.docks.outcome_dialog import OutcomeDialog

        inc = self.incidents.get(request.incident_id)
        number = inc.number if inc is not None else str(request.incident_id)
        self.outcome_dialog = OutcomeDialog(request.incident_id, number, request.version, self.docks.incidents)
        self.outcome_dialog.sig_outcome_submitted.connect(self._on_outcome_submitted)
        self.outcome_dialog.open()  # window-modal, not a nested event loop

    def _on_outcome_submitted(self, request) -> None:
        def close(runner):
            from db.incident_ops import close_incident

            return close_incident(runner, request.incident_id, request.outcome, expected_version=request.version,
                                  note=request.note)

        self._op(close)

    def _on_unit_dispatch_requested(self, unit_id: int) -> None:
        """Dispatch from the map: the clicked unit goes to the selected incident, with
        what the ranking said about it (or as a straight-line estimate if unranked)."""
        from core.geodesy import distance_m
        from desktop.errors import UserMessage

        inc = self.incidents.get(self.selected_id)
        unit = self.ws.live.units.get(unit_id)
        if inc is None or unit is None:
            self.ws.sig_message.emit(UserMessage("info", self.tr("Not possible"), self.tr("Select an open incident first.")))
            return
        rec = next((r for r in self.recommendations_all if r.unit_id == unit_id), None)
        if rec is not None:
            request = DispatchRequest(unit_id=unit_id, mode=rec.mode, eta_s=rec.eta_s, ring=rec.ring,
                                      distance_m=rec.distance_m, tier=rec.tier)
        else:
            fix = unit.last_fix
            request = DispatchRequest(unit_id=unit_id, mode="straight",
                                      distance_m=distance_m(fix.lon, fix.lat, inc.lon, inc.lat) if fix else None)

        def dispatch(runner):
            from db.incident_ops import dispatch_units

            return dispatch_units(runner, inc.id, [request], expected_version=inc.version)

        self._op(dispatch)

    def _on_support_requested(self, request: SupportRequest) -> None:
        def support(runner):
            from db.incident_ops import request_support

            return request_support(runner, request.incident_id, note=request.note)

        self._op(support)

    def _on_release_requested(self, dispatch_id: int) -> None:
        def release(runner):
            from db.incident_ops import release_unit

            return release_unit(runner, dispatch_id)

        self._op(release)

    def _on_escalation_ordered(self, order: EscalationOrder) -> None:
        inc = self.incidents.get(order.incident_id)
        up = inc is None or order.to_tier > inc.tier

        def run(runner):
            from db.incident_ops import deescalate, escalate

            fn = escalate if up else deescalate
            return fn(runner, order.incident_id, to_tier=order.to_tier, reason=order.reason, rule=order.rule,
                      expected_version=order.version)

        self._op(run)
