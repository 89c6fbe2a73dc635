"""Which unit is looked at: selection from the map or the units board, the unit card,
the highlight, follow and the trail (its history read in the background)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from desktop.docks.unit_card import UnitCardDock
    from desktop.docks.units_board import UnitsBoardDock
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace


@dataclass
class UnitDocks:
    board: "UnitsBoardDock"
    card: "UnitCardDock"


class UnitsController(QObject):
    def __init__(self, workspace: "Workspace", scene: "MapScene", docks: UnitDocks, parent=None):
        super().__init__(parent)
        self.ws = workspace
        self.scene = scene
        self.docks = docks
        scene.sig_unit_clicked.connect(self._on_unit_clicked)
        docks.board.sig_unit_selected.connect(self._on_unit_selected)
        docks.card.sig_follow_requested.connect(self._on_follow_requested)
        docks.card.sig_trail_requested.connect(self._on_trail_requested)

    def _on_unit_clicked(self, unit_id: int) -> None:
        self.docks.card.show_unit(unit_id)
        self.docks.card.raise_()
        self.docks.board.select_unit(unit_id)
        self.scene.units.highlight(unit_id)

    def _on_unit_selected(self, unit_id: int) -> None:
        self.docks.card.show_unit(unit_id)
        self.scene.units.highlight(unit_id)

    def _on_follow_requested(self, unit_id: int) -> None:
        self.scene.units.follow(None if unit_id < 0 else unit_id)

    def _on_trail_requested(self, unit_id: int) -> None:
        if unit_id < 0 or self.ws.sessions is None:
            self.scene.units.show_trail(None)
            return
        start = self.ws.now() - timedelta(minutes=self.ws.settings.live.trail_minutes)

        def read(session):
            from db.positions_repo import track

            return [(r.lon, r.lat, int(r.fix_time.timestamp() * 1000))
                    for r in track(session, unit_id=unit_id, start=start)]

        def show(points):
            if self.docks.card.unit_id == unit_id and self.docks.card.trail_button.isChecked():
                self.scene.units.show_trail(unit_id, points)

        self.ws.run_query(read, show, key="units.trail")
