"""Hand-over work orders (工作交办单) under 13710: the work-order dock and the map layer of
open orders coloured by light. Lights change with the clock alone, so the list is also
re-read every minute; every step is an operation through the workspace's runner."""
from __future__ import annotations

from typing import TYPE_CHECKING

from core.workorders import ActionRequest, PhotoRequest
from desktop.controllers.feature import FeatureController

if TYPE_CHECKING:
    from desktop.docks.workorders import WorkOrdersDock
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace

OVERLAY = "workorders"


class WorkOrdersController(FeatureController):
    KINDS = frozenset({"workorders", "findings"})  # and every minute: a light turns with no write at all

    def __init__(self, workspace: "Workspace", scene: "MapScene", dock: "WorkOrdersDock", parent=None):
        super().__init__(workspace, scene, dock, parent)
        self.orders: dict[int, object] = {}
        self.selected_id: int | None = None
        dock.sig_order_selected.connect(self.select)
        dock.sig_action_requested.connect(self._on_action_requested)
        dock.sig_photo_requested.connect(self._on_photo_requested)
        scene.sig_overlay_clicked.connect(self._on_overlay_clicked)

    def reload(self) -> None:
        if self.ws.sessions is None:
            return
        at = self.ws.now()
        selected = self.orders.get(self.selected_id)

        def read(session):
            from db.workorders_repo import list_orders, order_detail

            orders = list_orders(session, at)
            detail = order_detail(session, selected.number, at) if selected is not None else None
            return orders, detail

        self.ws.run_query(read, self._on_loaded, key="workorders.reload")

    def _on_loaded(self, result) -> None:
        from core.workorder_map import workorder_map_features

        orders, detail = result
        self.orders = {o.id: o for o in orders}
        self.dock.set_orders(orders)
        self.scene.overlays.set(OVERLAY, workorder_map_features(orders))
        if detail is not None and detail.order.id == self.selected_id:
            self.dock.show_detail(detail)

    def select(self, order_id: int) -> None:
        order = self.orders.get(order_id)
        if order is None:
            return
        self.selected_id = order_id
        at = self.ws.now()

        def read(session):
            from db.workorders_repo import order_detail

            return order_detail(session, order.number, at)

        self.ws.run_query(read, self._on_detail, key="workorders.detail")

    def _on_detail(self, detail) -> None:
        if detail.order.id == self.selected_id:
            self.dock.show_detail(detail)

    def _on_overlay_clicked(self, layer: str, feature_id: str) -> None:
        if layer == OVERLAY and feature_id.isdigit():
            self.dock.raise_()
            self.dock.select(int(feature_id))

    def _on_action_requested(self, request: ActionRequest) -> None:
        settings = self.ws.settings.workorders

        def run(runner):
            from db.workorder_ops import act

            return act(runner, request.number, request.action, note=request.note, until=request.until,
                       rating=request.rating, expected_version=request.expected_version, settings=settings)

        self.ws.run_op(run, on_error=self._on_failed)

    def _on_failed(self, exc: BaseException) -> None:
        if self.ws.report(exc).conflict:
            self.reload()

    def _on_photo_requested(self, request: PhotoRequest) -> None:
        def read(session):
            from db.workorders_repo import photo_bytes

            return photo_bytes(session, request.sha256)

        self.ws.run_query(read, lambda data: data and self.dock.set_photo(request.sha256, data))
