"""The unit card: who a unit is (members, kit, devices) and how fresh its last fix is.
Follow and trail are requested through signals; the composition root talks to the map."""
from __future__ import annotations

import html
import sys

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.units import UnitInfo
from desktop import labels, theme
from desktop.live.live_model import LiveModel


class UnitCardDock(QDockWidget):
    """Declared header: name ``unit_card``; signals ``sig_follow_requested`` and
    ``sig_trail_requested`` (a unit id, or -1 to stop)."""

    NAME = "unit_card"
    sig_follow_requested = Signal(int)
    sig_trail_requested = Signal(int)
    sig_dispatch_requested = Signal(int)  # send this unit to the selected incident

    def __init__(self, live: LiveModel, parent=None):
        super().__init__(self.tr("Unit card"), parent)
        self.setObjectName("dock_unit_card")
        self.live = live
        self.unit_id: int | None = None
        self.body = QLabel(self.tr("Click a unit on the map or in the units board."))
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.follow_button = QPushButton(self.tr("Follow"))
        self.follow_button.setCheckable(True)
        self.trail_button = QPushButton(self.tr("Trail"))
        self.trail_button.setCheckable(True)
        self.dispatch_button = QPushButton(self.tr("Send to selected incident"))
        for button in (self.follow_button, self.trail_button, self.dispatch_button):
            button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.follow_button)
        buttons.addWidget(self.trail_button)
        buttons.addWidget(self.dispatch_button)
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.body, 1)
        layout.addLayout(buttons)
        self.setWidget(widget)
        self.follow_button.toggled.connect(self._on_follow_toggled)
        self.trail_button.toggled.connect(self._on_trail_toggled)
        self.dispatch_button.clicked.connect(lambda: self.unit_id is not None and self.sig_dispatch_requested.emit(self.unit_id))
        live.sig_units_changed.connect(self._on_units_changed)
        live.sig_roster_reloaded.connect(self.refresh)
        self._tick = QTimer(self)  # the fix age keeps growing
        self._tick.timeout.connect(self.refresh)
        self._tick.start(1000)

    def show_unit(self, unit_id: int) -> None:
        if unit_id != self.unit_id:
            for button in (self.follow_button, self.trail_button):
                button.blockSignals(True)
                button.setChecked(False)
                button.blockSignals(False)
            if self.unit_id is not None:
                self.sig_follow_requested.emit(-1)
                self.sig_trail_requested.emit(-1)
        self.unit_id = unit_id
        for button in (self.follow_button, self.trail_button, self.dispatch_button):
            button.setEnabled(True)
        self.refresh()

    def _on_units_changed(self, ids: list[int]) -> None:
        if self.unit_id in ids:
            self.refresh()

    def _on_follow_toggled(self, on: bool) -> None:
        self.sig_follow_requested.emit(self.unit_id if on and self.unit_id is not None else -1)

    def _on_trail_toggled(self, on: bool) -> None:
        self.sig_trail_requested.emit(self.unit_id if on and self.unit_id is not None else -1)

    def refresh(self) -> None:
        unit = self.live.units.get(self.unit_id) if self.unit_id is not None else None
        if unit is not None:
            self.body.setText(self.card_html(unit))

    def card_html(self, unit: UnitInfo) -> str:
        e = html.escape
        fix = unit.last_fix
        stale = self.live.is_stale(unit)
        age = labels.age_text(fix.age_s(self.live.now()) if fix else None)
        rows = [
            (self.tr("Agency"), labels.agency_names().get(unit.agency, unit.agency)),
            (self.tr("Force"), labels.force_names().get(unit.force, unit.force)),
            (self.tr("Tier"), labels.tier_name(unit.tier)),
            (self.tr("Status"), labels.status_names().get(unit.status, unit.status)),
            (self.tr("Grid"), unit.grid_code or "—"),
            (self.tr("Fix age"), f"<b style='color:{theme.ui_color('alert')}'>{e(age)} ⚠</b>" if stale else e(age)),
            (self.tr("Accuracy"), f"±{fix.accuracy_m:.0f} m" if fix and fix.accuracy_m is not None else "—"),
            (self.tr("Speed"), f"{fix.speed_mps * 3.6:.0f} km/h" if fix and fix.speed_mps is not None else "—"),
            (self.tr("Battery"), f"{fix.battery_pct:.0f} %" if fix and fix.battery_pct is not None else "—"),
        ]
        members = "".join(f"<li>{e(m.get('name', ''))} · {e(m.get('role', ''))}</li>" for m in unit.members)
        kit = "".join(f"<li>{e(k.get('item', ''))} ×{k.get('count', 1)}</li>" for k in unit.kit)
        devices = "、".join(e(d) for d in unit.devices) or "—"
        members_title, kit_title, devices_title = self.tr("Members"), self.tr("Kit"), self.tr("Devices")
        muted = theme.ui_color("muted")
        table = "".join(f"<tr><td style='color:{muted};padding-right:8px'>{e(k)}</td><td>{v if '<' in str(v) else e(str(v))}</td></tr>"
                        for k, v in rows)
        return (f"<h2 style='margin:0'>{e(unit.callsign)}</h2><div style='color:{muted}'>{e(unit.name)}</div>"
                f"<table>{table}</table>"
                f"<h4 style='margin:6px 0 2px'>{e(members_title)}</h4><ul style='margin:0'>{members or '<li>—</li>'}</ul>"
                f"<h4 style='margin:6px 0 2px'>{e(kit_title)}</h4><ul style='margin:0'>{kit or '<li>—</li>'}</ul>"
                f"<h4 style='margin:6px 0 2px'>{e(devices_title)}</h4><div>{devices}</div>")


def preview() -> None:  # python -m desktop.docks.unit_card
    from desktop.preview import run_live_preview

    def build(live):
        card = UnitCardDock(live)
        if live.units:
            card.show_unit(next(iter(live.units)))
        return card

    sys.exit(run_live_preview(build))


if __name__ == "__main__":
    preview()
