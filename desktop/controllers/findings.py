"""Patrol findings (巡查发现) and new work orders from the window: the two forms, where
their location comes from (a pick on the map through the scene, typed coordinates, or an
incident's place), their writes through the workspace's operation runner
(``record_finding``, ``issue_order``), and the recent findings in the work-order dock.

A form's bad input comes back into the form as one line naming the field, and nothing is
written; anything else (a lost database) goes to the window like every other failure."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from core.findings import FindingDraft, OrderDraft
from core.incident_actions import CoordinateInputError, TypedCoordinates, parse_coordinates
from core.incidents import FieldError
from desktop.controllers.feature import FeatureController
from desktop.errors import coordinate_error_text

if TYPE_CHECKING:
    from desktop.docks.finding_form import FindingForm
    from desktop.docks.location_field import LocationField
    from desktop.docks.order_form import OrderForm
    from desktop.docks.workorders import WorkOrdersDock
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace

PICK_OWNER = "findings"  # the scene's pick mode, while one of these forms asked for it
FLY_MARGIN_DEG = 0.0015  # about 150 m around a finding the map flies to
RECENT = 200


def read_photo_files(paths: tuple[str, ...], max_bytes: int) -> tuple[bytes, ...]:
    """The photos' bytes, each named as ``record_finding`` names them ("photo N"); a file over
    the limit is refused before it is read (its content is checked by ``record_finding``)."""
    from core.images import check_photo_size

    photos = []
    for n, path in enumerate(paths, 1):
        name = f"photo {n}"
        try:
            check_photo_size(os.path.getsize(path), max_bytes, name)
            with open(path, "rb") as f:
                photos.append(f.read())
        except OSError as exc:
            raise FieldError(name, f"cannot be read: {exc.strerror or exc}") from exc
    return tuple(photos)


class FindingsController(FeatureController):
    KINDS = frozenset({"findings"})

    def __init__(self, workspace: "Workspace", scene: "MapScene", dock: "WorkOrdersDock", parent=None):
        super().__init__(workspace, scene, dock, parent)
        self.findings: dict[int, object] = {}
        self.finding_form: "FindingForm | None" = None
        self.order_form: "OrderForm | None" = None
        self._pick_target: "LocationField | None" = None
        self._grids = None  # core.grid_lookup.GridIndex of the static layers, built when first needed
        dock.sig_new_finding_requested.connect(lambda: self.open_finding_form())
        dock.sig_new_order_requested.connect(self.open_order_form)
        dock.sig_finding_selected.connect(self.fly_to_finding)
        scene.sig_map_clicked.connect(self._on_map_clicked)
        workspace.sig_layers_loaded.connect(lambda: setattr(self, "_grids", None))

    # --- the findings list --------------------------------------------------------------
    def reload(self) -> None:
        if self.ws.sessions is None:
            return

        def read(session):
            from db.findings_repo import recent_findings

            return recent_findings(session, RECENT)

        self.ws.run_query(read, self._on_loaded, key="findings.reload")

    def _on_loaded(self, findings) -> None:
        self.findings = {f.id: f for f in findings}
        language = self.ws.language
        self.dock.findings.set_category_names(
            {e.code: e.label(language) for e in self.ws.code_tables.get("finding_category", [])})
        self.dock.set_findings(findings)

    def fly_to_finding(self, finding_id: int) -> None:
        f = self.findings.get(finding_id)
        if f is not None:
            m = FLY_MARGIN_DEG
            self.scene.static.fly_to_bounds(f.lon - m, f.lat - m, f.lon + m, f.lat + m)

    # --- the forms ----------------------------------------------------------------------
    def open_finding_form(self, incident_id: int | None = None, pick: bool = False) -> "FindingForm":
        """The finding form; from an incident its place and number, or (``pick``) waiting
        for a click on the map: "record a finding here"."""
        from desktop.docks.finding_form import FindingForm

        if self.finding_form is None:
            self.finding_form = form = FindingForm(self.dock, self.ws.language)
            self._wire_location(form.location)
            form.sig_submitted.connect(self._on_finding_submitted)
            form.finished.connect(lambda _r: self._stop_picking(form.location))
        form = self.finding_form
        form.set_code_tables(self.ws.code_tables, self.ws.language)
        form.show()
        form.raise_()
        if incident_id is not None:
            self._load_incident(incident_id)
        elif pick:
            form.location.set_picking(True)
            self._on_pick_requested(form.location, True)
        return form

    def _load_incident(self, incident_id: int) -> None:
        def read(session):
            from db.incidents_repo import get_incident

            return get_incident(session, incident_id)

        def loaded(incident) -> None:
            if incident is None or self.finding_form is None:
                return
            self.finding_form.set_incident(incident.id, incident.number)
            self.set_location(self.finding_form.location, incident.lon, incident.lat)

        self.ws.run_query(read, loaded)

    def open_order_form(self) -> "OrderForm":
        from desktop.docks.order_form import OrderForm

        if self.order_form is None:
            self.order_form = form = OrderForm(self.dock, self.ws.timezone, self.ws.language)
            self._wire_location(form.location)
            form.sig_submitted.connect(self._on_order_submitted)
            form.finished.connect(lambda _r: self._stop_picking(form.location))
        form = self.order_form
        form.set_code_tables(self.ws.code_tables, self.ws.language)
        form.set_now(self.ws.now())
        form.show()
        form.raise_()
        if self.ws.sessions is not None:
            def read(session):
                from db.incidents_repo import open_incidents

                return [(i.id, f"{i.number} · {i.address or i.category}") for i in open_incidents(session)]

            self.ws.run_query(read, lambda incidents: self.order_form.set_incidents(incidents))
        return form

    # --- where: picked, typed, or an incident's place -----------------------------------
    def _wire_location(self, field: "LocationField") -> None:
        field.sig_pick_requested.connect(lambda on: self._on_pick_requested(field, on))
        field.sig_coordinates_typed.connect(lambda typed: self._on_coordinates_typed(field, typed))

    def _on_pick_requested(self, field: "LocationField", on: bool) -> None:
        for other in (self.finding_form, self.order_form):  # one pick at a time
            if other is not None and other.location is not field:
                other.location.set_picking(False)
        self._pick_target = field if on else None
        self.scene.pick.set_mode(on, PICK_OWNER)

    def _stop_picking(self, field: "LocationField") -> None:
        if self._pick_target is field:
            self._on_pick_requested(field, False)

    def _on_map_clicked(self, lon: float, lat: float) -> None:
        pick = self.scene.pick
        field = self._pick_target
        if not (pick.picking and pick.owner == PICK_OWNER) or field is None:
            if field is not None:  # another dock took the pick mode over
                field.set_picking(False)
                self._pick_target = None
            return
        pick.set_mode(False)
        self._pick_target = None
        self.set_location(field, lon, lat)

    def _on_coordinates_typed(self, field: "LocationField", typed: TypedCoordinates) -> None:
        try:
            lon, lat = parse_coordinates(typed)
        except CoordinateInputError as exc:
            field.show_error(coordinate_error_text(exc.kind))
            return
        self.set_location(field, lon, lat)

    def grid_name(self, lon: float, lat: float) -> str | None:
        if self._grids is None:
            from core.grid_lookup import GridIndex, geometry_from_geojson

            self._grids = GridIndex((g.code, geometry_from_geojson(g.geometry)) for g in self.ws.layers.get("grids", []))
        code = self._grids.grid_of(lon, lat)
        return self.ws.grid_names().get(code, code) if code else None

    def set_location(self, field: "LocationField", lon: float, lat: float) -> None:
        """A WGS84 location for a form, however it was chosen: the form and the map show it."""
        field.show_location(lon, lat, self.grid_name(lon, lat))
        self.scene.pick.set_picked((lon, lat))

    # --- the writes -----------------------------------------------------------------------
    def _on_finding_submitted(self, draft: FindingDraft) -> None:
        settings = self.ws.settings.workorders
        form = self.finding_form

        def record(runner):
            from db.findings_ops import NewFinding, record_finding

            photos = read_photo_files(draft.photo_paths, settings.photo_max_bytes)
            return record_finding(runner, NewFinding(
                lon=draft.lon, lat=draft.lat, category=draft.category, description=draft.description,
                outcome=draft.outcome, photos=photos, incident_id=draft.incident_id, department=draft.department,
                kind=draft.kind, title=draft.title), settings)

        self.ws.run_op(record, self._on_finding_recorded, lambda exc: self._on_form_failed(form, exc))

    def _on_finding_recorded(self, recorded) -> None:
        form = self.finding_form
        form.clear_form()
        self.scene.pick.set_picked(None)
        form.show_recorded(recorded.finding_id, recorded.grid_code,
                           recorded.order.number if recorded.order is not None else None)
        if recorded.order is not None:
            self.dock.select_when_listed(recorded.order.id)

    def _on_order_submitted(self, draft: OrderDraft) -> None:
        settings = self.ws.settings.workorders
        form = self.order_form

        def issue(runner):
            from db.workorder_ops import NewOrder, issue_order

            return issue_order(runner, NewOrder(
                title=draft.title, description=draft.description, department=draft.department, kind=draft.kind,
                lon=draft.lon, lat=draft.lat, source=draft.source, incident_id=draft.incident_id,
                issued_at=draft.issued_at), settings)

        self.ws.run_op(issue, self._on_order_issued, lambda exc: self._on_form_failed(form, exc))

    def _on_order_issued(self, issued) -> None:
        form = self.order_form
        order = issued.order
        form.clear_form()
        self.scene.pick.set_picked(None)
        form.show_issued(order.number, order.department_name, issued.outside_grid)
        self.dock.select_when_listed(order.id)

    def _on_form_failed(self, form, exc: BaseException) -> None:
        if isinstance(exc, FieldError):
            form.show_error(exc.field, str(exc).removeprefix(f"{exc.field}: "))
        else:
            form.show_error(None, self.ws.report(exc).text)
