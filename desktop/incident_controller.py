"""The command centre's loop in the GUI: intake → recommendation and rings → dispatch →
arrival → escalation → close. It wires the incident docks to the map and runs every
write through the operation runner; conflicts and refused actions become messages."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from core.crs import shift_for_basemap, shift_geometry, unshift_from_basemap
from core.dispatch import Recommendation, circle_rings, isochrones, rank_units, ring_counts
from core.gazetteer import build_gazetteer
from core.grid_lookup import GridIndex, geometry_from_geojson
from core.incidents import DispatchRequest, IllegalTransition, IncidentSnapshot, response_figures
from core.road_network import RoadNetwork
from core.travel import TravelModel
from db.operations import ConflictError, OperationRunner, PermissionDenied


log = logging.getLogger(__name__)


class IncidentController(QObject):
    sig_recommendations_ready = Signal(int)  # incident id; tests and the escalation dock wait for it

    def __init__(self, app, runner: OperationRunner):
        super().__init__(app)
        self.app = app
        self.runner = runner
        self.settings = app.settings
        self.window = app.window
        self.bridge = app.map_view.bridge
        self.code_tables: dict = {}
        self.network: RoadNetwork | None = None
        self.grid_index: GridIndex | None = None
        self.incidents: dict[int, IncidentSnapshot] = {}
        self.selected_id: int | None = None
        self.recommendations: list[Recommendation] = []
        self.recommendations_all: list[Recommendation] = []
        self.picking = False
        self._stopped = False
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(50)
        self._reload_timer.timeout.connect(self.reload_incidents)
        w = self.window
        w.intake_dock.sig_pick_requested.connect(self._on_pick_requested)
        w.intake_dock.sig_location_changed.connect(self._on_location_changed)
        w.intake_dock.sig_incident_submitted.connect(self._on_incident_submitted)
        w.intake_dock.sig_duplicate_chosen.connect(self.select_incident)
        w.incidents_dock.sig_incident_selected.connect(self.select_incident)
        w.incidents_dock.sig_transition_requested.connect(self._on_transition_requested)
        w.incidents_dock.sig_release_requested.connect(self._on_release_requested)
        w.incidents_dock.sig_support_requested.connect(self._on_support_requested)
        w.unit_card.sig_dispatch_requested.connect(self._on_unit_dispatch_requested)
        w.dispatch_dock.sig_mode_changed.connect(lambda _m: self.refresh_selected())
        w.dispatch_dock.sig_dispatch_requested.connect(self._on_dispatch_requested)
        w.dispatch_dock.sig_route_hovered.connect(self._on_route_hovered)
        w.escalation_dock.sig_escalation_ordered.connect(self._on_escalation_ordered)
        self.bridge.sig_map_clicked.connect(self._on_map_clicked)
        self.bridge.sig_incident_clicked.connect(self.select_incident)
        self.bridge.sig_page_ready.connect(self._on_page_ready)
        app.live.sig_kinds_changed.connect(self._on_kinds_changed)
        app.live.sig_roster_reloaded.connect(self._on_units_moved)

    # --- data ------------------------------------------------------------------------------
    @property
    def crs(self) -> str:
        b = self.settings.basemap
        return b.crs if b.kind != "none" else "wgs84"

    def start(self) -> None:
        """Once the database is open: vocabularies, gazetteer, street network, incidents."""
        from db.code_tables_repo import load_code_tables

        with self.app.sessions() as session:
            self.code_tables = load_code_tables(session)
        language = self.settings.ui.language if self.app.options.language is None else self.app.options.language
        self.window.intake_dock.language = language
        self.window.intake_dock.set_code_tables(self.code_tables)
        self.window.incidents_dock.set_code_tables(self.code_tables, language)
        self.layers_changed()
        self.reload_incidents()

    def layers_changed(self) -> None:
        layers = self.app.layers
        self.window.intake_dock.set_places(build_gazetteer(layers))
        streets = layers.get("streets", [])
        self.network = RoadNetwork.from_features(streets) if streets else None
        self.grid_index = GridIndex((g.code, geometry_from_geojson(g.geometry)) for g in layers.get("grids", []))
        self.window.intake_dock.grid_of = self.grid_index.grid_of

    def reload_incidents(self) -> None:
        from db.incidents_repo import open_incidents

        try:
            with self.app.sessions() as session:
                incidents = open_incidents(session)
        except SQLAlchemyError as exc:  # the feed worker reports the outage; keep what is shown
            log.warning("incidents not reloaded: %s", exc)
            return
        self.incidents = {i.id: i for i in incidents}
        self.window.incidents_dock.set_incidents(incidents)
        self._push_incidents()
        if self.selected_id is not None:
            self.refresh_selected()

    def _push_incidents(self) -> None:
        model = self.window.incidents_dock.model
        rows = []
        for inc in self.incidents.values():
            lon, lat = shift_for_basemap(inc.lon, inc.lat, self.crs)
            rows.append({"id": inc.id, "number": inc.number, "lon": lon, "lat": lat, "level": inc.level,
                         "state": inc.state, "label": model.category_label(inc.category)})
        self.bridge.call("updateIncidents", rows)

    def _on_page_ready(self, _info: dict) -> None:
        """A (re)loaded page knows nothing: send the incidents, the selection and its rings."""
        self._push_incidents()
        if self.selected_id is not None and self.selected_id in self.incidents:
            self.select_incident(self.selected_id)
        if self.picking:
            self.bridge.call("setPickMode", True)

    def _on_kinds_changed(self, kinds: set) -> None:
        if "incidents" in kinds or "units" in kinds:
            self.request_reload()

    def _on_units_moved(self) -> None:
        if self.selected_id is not None:
            self.request_reload()

    def request_reload(self) -> None:
        """One reload for a burst of changes (an operation, its change rows, the roster
        reload they cause): ranking and rings are not redone three times over."""
        if not self._stopped:
            self._reload_timer.start()

    def stop(self) -> None:
        """Before the page goes away: nothing queued may reach it afterwards."""
        self._stopped = True
        self._reload_timer.stop()

    # --- selection, recommendation and rings ---------------------------------------------
    def select_incident(self, incident_id: int) -> None:
        self.selected_id = incident_id
        self.window.incidents_dock.select(incident_id, emit=False)
        self.bridge.call("selectIncident", incident_id)
        self.refresh_selected()

    def refresh_selected(self) -> None:
        from db.incidents_repo import dispatches_for, get_incident, timeline

        if self.selected_id is None:
            return
        with self.app.sessions() as session:
            inc = get_incident(session, self.selected_id)
            if inc is None:
                return
            events = timeline(session, inc.id)
            dispatches = dispatches_for(session, inc.id)
        figures = response_figures(inc, dispatches)["incident"]
        self.window.incidents_dock.show_detail(inc, events, dispatches, figures)
        self.recommend(inc)
        self.window.escalation_dock.show_incident(inc, self.app.live.units.values(), self.recommendations_all,
                                                  self.settings, self.app.live.now(), dispatches)
        self.sig_recommendations_ready.emit(inc.id)

    def recommend(self, inc: IncidentSnapshot) -> None:
        from core.code_tables import needs_by_category

        if not inc.is_open:
            self.recommendations, self.recommendations_all = [], []
            self.window.dispatch_dock.clear()
            self.bridge.call("clearRings")
            return
        dispatch = self.window.dispatch_dock
        mode = dispatch.mode if self.network is not None else "straight"
        model = TravelModel.from_settings(self.settings.dispatch)
        needs = needs_by_category(self.code_tables).get(inc.category, "any")
        common = dict(incident_grid=inc.grid_code, needs=needs, now=self.app.live.now(), model=model,
                      stale_after_s=self.settings.live.stale_after_s, mode=mode, network=self.network)
        units = list(self.app.live.units.values())
        # Every tier for the escalation dock; the dispatch list offers the tiers ordered in so far.
        self.recommendations_all = rank_units(units, inc.lon, inc.lat, **common)
        self.recommendations = [r for r in self.recommendations_all if r.tier <= inc.tier][:20]
        ring_mode = self.settings.dispatch.ring_mode
        rings = (isochrones(self.network, inc.lon, inc.lat, model, ring_mode) if mode == "road"
                 else circle_rings(inc.lon, inc.lat, model, ring_mode))
        self.bridge.call("showRings", {str(k): shift_geometry(g, self.crs) for k, g in rings.items()}, mode == "straight")
        title = self.tr("%1 · units that can reach it, fastest first").replace("%1", inc.number)
        dispatch.show_recommendations(title, self.recommendations, ring_counts(self.recommendations), mode == "straight",
                                      incident_id=inc.id)

    def _on_route_hovered(self, rec: Recommendation | None) -> None:
        if rec is None or not rec.route:
            self.bridge.call("clearRoute")
            return
        coords = [shift_for_basemap(lon, lat, self.crs) for lon, lat in rec.route]
        self.bridge.call("showRoute", [[lat, lon] for lon, lat in coords])

    # --- intake ---------------------------------------------------------------------------
    def _on_pick_requested(self, on: bool) -> None:
        self.picking = on
        self.bridge.call("setPickMode", on)

    def _on_map_clicked(self, lon: float, lat: float) -> None:
        if not self.picking:
            return
        lon, lat = unshift_from_basemap(lon, lat, self.crs)
        self.picking = False
        self.bridge.call("setPickMode", False)
        self.window.intake_dock.set_location(lon, lat)

    def _on_location_changed(self, lon: float, lat: float) -> None:
        shifted = shift_for_basemap(lon, lat, self.crs)
        self.bridge.call("setPicked", shifted[0], shifted[1])

    def _on_incident_submitted(self, data: dict) -> None:
        from db.incident_ops import create_incident

        snapshot = self._run(lambda: create_incident(self.runner, settings=self.settings.dispatch,
                                                     tz=self.settings.ui.timezone, **data))
        if snapshot is None:
            return
        incident, duplicates = snapshot
        intake = self.window.intake_dock
        intake.show_duplicates([(d.id, d.number) for d in duplicates])
        intake.clear_form()
        self.bridge.call("setPicked", None, None)
        self.reload_incidents()
        self.select_incident(incident.id)

    # --- actions --------------------------------------------------------------------------
    def _on_dispatch_requested(self, chosen: list[Recommendation]) -> None:
        from db.incident_ops import dispatch_units

        inc = self.incidents.get(self.selected_id)
        if inc is None:
            return
        requests = [DispatchRequest(unit_id=r.unit_id, mode=r.mode, eta_s=r.eta_s, ring=r.ring,
                                    distance_m=r.distance_m, tier=r.tier) for r in chosen]
        self._run(lambda: dispatch_units(self.runner, inc.id, requests, expected_version=inc.version))
        self.reload_incidents()

    def _on_transition_requested(self, incident_id: int, target: str, version: int) -> None:
        from db.incident_ops import transition

        self._run(lambda: transition(self.runner, incident_id, target, expected_version=version))
        self.reload_incidents()

    def _on_unit_dispatch_requested(self, unit_id: int) -> None:
        """Dispatch from the map: the clicked unit goes to the selected incident, with
        what the ranking said about it (or as a straight-line estimate if unranked)."""
        from core.geodesy import distance_m
        from db.incident_ops import dispatch_units

        inc = self.incidents.get(self.selected_id)
        unit = self.app.live.units.get(unit_id)
        if inc is None or unit is None:
            QMessageBox.information(self.window, self.tr("Not possible"), self.tr("Select an open incident first."))
            return
        rec = next((r for r in self.recommendations_all if r.unit_id == unit_id), None)
        if rec is not None:
            request = DispatchRequest(unit_id=unit_id, mode=rec.mode, eta_s=rec.eta_s, ring=rec.ring,
                                      distance_m=rec.distance_m, tier=rec.tier)
        else:
            fix = unit.last_fix
            request = DispatchRequest(unit_id=unit_id, mode="straight",
                                      distance_m=distance_m(fix.lon, fix.lat, inc.lon, inc.lat) if fix else None)
        self._run(lambda: dispatch_units(self.runner, inc.id, [request], expected_version=inc.version))
        self.reload_incidents()

    def _on_support_requested(self, incident_id: int, note: str) -> None:
        from db.incident_ops import request_support

        self._run(lambda: request_support(self.runner, incident_id, note=note))
        self.reload_incidents()

    def _on_release_requested(self, dispatch_id: int) -> None:
        from db.incident_ops import release_unit

        self._run(lambda: release_unit(self.runner, dispatch_id))
        self.reload_incidents()

    def _on_escalation_ordered(self, incident_id: int, to_tier: int, reason: str, rule: str, version: int) -> None:
        from db.incident_ops import deescalate, escalate

        inc = self.incidents.get(incident_id)
        order = escalate if inc is None or to_tier > inc.tier else deescalate
        self._run(lambda: order(self.runner, incident_id, to_tier=to_tier, reason=reason, rule=rule or None,
                                expected_version=version))
        self.reload_incidents()

    def _run(self, action):
        """Run one operation; a refused or conflicting one is explained, never lost silently."""
        from db.engine import DatabaseUnavailable

        try:
            return action()
        except ConflictError as exc:
            QMessageBox.warning(self.window, self.tr("Changed by another workstation"),
                                self.tr("Your change was not saved: %1\nThe current state is shown now.").replace("%1", str(exc)))
            self.reload_incidents()
        except (IllegalTransition, PermissionDenied, ValueError, LookupError) as exc:
            QMessageBox.warning(self.window, self.tr("Not possible"), str(exc))
        except (DatabaseUnavailable, SQLAlchemyError) as exc:
            log.exception("operation failed")
            QMessageBox.critical(self.window, self.tr("Database unavailable"),
                                 self.tr("Nothing was saved: %1").replace("%1", str(exc).splitlines()[0]))
        return None
