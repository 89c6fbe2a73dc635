"""Editing must-visit points and must-patrol lines: the place rules dock's tools and form,
and the shapes drawn, moved or deleted on the map (the scene's place-edit layer).

Every change is one operation through the runner (permission ``edit_duty``, audited, a new
version). The map is not reloaded afterwards: the change feed names the layer, the map data
controller reads the layers and replaces that one in the page. A refused edit (bad geometry,
no permission) puts the layer back as it is stored; a bad form value is one line in the dock."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from core import layers as L

if TYPE_CHECKING:
    from desktop.docks.place_rules import EditModeRequested, PlaceChosen, PlaceRulesDock, RulesSubmitted
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace

PERMISSION = "edit_duty"
EDITABLE = (L.POINTS, L.LINES)


class PlaceEditController(QObject):
    def __init__(self, workspace: "Workspace", scene: "MapScene", dock: "PlaceRulesDock", parent=None):
        super().__init__(parent)
        self.ws = workspace
        self.scene = scene
        self.dock = dock
        self.to_select: tuple[str, str] | None = None  # a place just drawn, chosen once the layers show it
        dock.sig_mode_requested.connect(self._on_mode_requested)
        dock.sig_place_chosen.connect(self._on_place_chosen)
        dock.sig_rules_submitted.connect(self._on_rules_submitted)
        scene.sig_place_drawn.connect(self._on_drawn)
        scene.sig_place_moved.connect(self._on_moved)
        scene.sig_place_delete_requested.connect(self._on_delete_requested)
        scene.sig_feature_clicked.connect(self._on_feature_clicked)
        workspace.sig_layers_loaded.connect(self._on_layers_loaded)

    @property
    def allowed(self) -> bool:
        return self.ws.actor.may(PERMISSION)

    def start(self) -> None:
        self.dock.set_editable(self.allowed)
        self._on_layers_loaded()

    def stop(self) -> None:
        if self.scene.place_edit.mode is not None:
            self.scene.place_edit.set_mode(None)

    # --- the dock ------------------------------------------------------------------------
    def _on_mode_requested(self, request: "EditModeRequested") -> None:
        mode = request.mode if self.allowed else None
        self.scene.place_edit.set_mode(mode)
        self.dock.set_mode(mode)

    def _on_place_chosen(self, chosen: "PlaceChosen") -> None:
        self.scene.static.show_feature(chosen.layer, chosen.code)
        self._load_history(chosen.layer, chosen.code)

    def _on_rules_submitted(self, form: "RulesSubmitted") -> None:
        from core.patrol_rules import RuleError
        from core.place_edit import check_rules

        try:
            rules = check_rules(form.layer, form.code, form.name, form.windows_text, radius_m=form.radius_m,
                                dwell_s=form.dwell_s, visits_per_shift=form.visits_per_shift, buffer_m=form.buffer_m,
                                passes_per_shift=form.passes_per_shift)
        except RuleError as exc:
            self.dock.show_error(str(exc))
            return

        def write(runner):
            from db.place_edit_ops import save_rules

            return save_rules(runner, rules)

        self.ws.run_op(write, lambda outcome: self._saved(rules.layer, rules.code, outcome), self._refused)

    def _saved(self, layer: str, code: str, outcome: str) -> None:
        texts = {"unchanged": self.tr("Nothing changed."), "created": self.tr("Saved: %1 created."),
                 "updated": self.tr("Saved: a new version of %1 is in force.")}
        self.dock.show_saved(texts.get(outcome, texts["updated"]).replace("%1", code))
        self._load_history(layer, code)

    # --- the map -------------------------------------------------------------------------
    def _on_drawn(self, layer: str, geometry: dict) -> None:
        if layer not in EDITABLE:
            return
        name_template = self.dock.new_place_name(layer)

        def write(runner):
            from db.place_edit_ops import draw_place

            return draw_place(runner, layer, geometry, name_template)

        def done(code: str) -> None:
            self.to_select = (layer, code)
            self.dock.show_saved(self.tr("Saved: %1 created.").replace("%1", code))
            self._on_layers_loaded()

        self.ws.run_op(write, done, lambda exc: self._refused(exc, layer))

    def _on_moved(self, layer: str, code: str, geometry: dict) -> None:
        if layer not in EDITABLE:
            return

        def write(runner):
            from db.place_edit_ops import move_place

            return move_place(runner, layer, code, geometry)

        self.ws.run_op(write, lambda outcome: self._saved(layer, code, outcome), lambda exc: self._refused(exc, layer))

    def _on_delete_requested(self, layer: str, code: str) -> None:
        if layer not in EDITABLE or not self.allowed:
            return
        feature = next((f for f in self.ws.layers.get(layer, []) if f.code == code), None)
        if not self.dock.confirm_retire(feature.name if feature is not None else code):
            return

        def write(runner):
            from db.place_edit_ops import retire_place

            retire_place(runner, layer, code)

        def done(_result) -> None:
            self.dock.show_saved(self.tr("%1 is out of force; its history is kept.").replace("%1", code))

        self.ws.run_op(write, done, lambda exc: self._refused(exc, layer))

    def _on_feature_clicked(self, layer: str, code: str) -> None:
        if layer in EDITABLE and self.scene.place_edit.mode != "delete" and self.dock.select(layer, code):
            self._load_history(layer, code)

    def _refused(self, exc: BaseException, layer: str | None = None) -> None:
        """A bad value is a line in the dock; anything else goes to the user as a message. The
        page may show a shape that was not stored: put the stored layer back."""
        from core.patrol_rules import RuleError
        from db.operations import PermissionDenied

        if layer is not None and self.ws.layers:
            self.scene.place_edit.replace(layer, self.ws.layers.get(layer, []))
        if isinstance(exc, (RuleError, PermissionDenied)):
            self.dock.show_error(str(exc))
        else:
            self.dock.show_error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            self.ws.report(exc)

    # --- reading -------------------------------------------------------------------------
    def _on_layers_loaded(self) -> None:
        layers = self.ws.layers
        self.dock.set_places(layers.get(L.POINTS, []), layers.get(L.LINES, []))
        if self.to_select is not None and self.dock.select(*self.to_select):
            self._load_history(*self.to_select)
            self.to_select = None

    def _load_history(self, layer: str, code: str) -> None:
        if self.ws.sessions is None:
            return

        def read(session):
            from db.place_edit_ops import place_history

            return place_history(session, layer, code)

        self.ws.run_query(read, lambda versions: self.dock.show_history(layer, code, versions),
                          key="place_edit.history")
