"""The what-if dock (试警 in a replay): at an incident's intake moment the trainee ticks
the units they would send; the choice is scored against the best ETA from the
positions at that moment and against what was actually done. It shows what it is
given and says what was chosen through signals; the scoring is ``core.drills``."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QDockWidget, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from core.dispatch import Recommendation
from core.drills import DrillScore
from desktop import labels, theme


class WhatIfDock(QDockWidget):
    NAME = "whatif"
    sig_score_requested = Signal(list)  # callsigns chosen
    sig_save_requested = Signal(list)  # callsigns: store the score for `drill report`

    def __init__(self, parent=None):
        super().__init__(self.tr("What-if at intake"), parent)
        self.setObjectName("dock_whatif")
        self.incident_id: int | None = None
        self._can_save = True
        self.pause_box = QCheckBox(self.tr("Pause at each incident's intake"))
        self.pause_box.setChecked(True)
        self.title = QLabel(self.tr("Play the replay: it pauses when an incident is received."))
        self.title.setWordWrap(True)
        self.units = QListWidget()
        self.score_button = QPushButton(self.tr("Score my choice"))
        self.save_button = QPushButton(self.tr("Save to the drill report"))
        self.result = QLabel()
        self.result.setObjectName("whatif_result")
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setWordWrap(True)
        self.score_button.setEnabled(False)
        self.save_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.score_button)
        buttons.addWidget(self.save_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.pause_box)
        layout.addWidget(self.title)
        layout.addWidget(self.units, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        self.setWidget(body)
        self.score_button.clicked.connect(lambda: self.sig_score_requested.emit(self.chosen()))
        self.save_button.clicked.connect(lambda: self.sig_save_requested.emit(self.chosen()))
        self.units.itemChanged.connect(lambda _item: self.score_button.setEnabled(bool(self.chosen())))

    def set_can_save(self, allowed: bool, why: str = "") -> None:
        """Whether the actor may store a what-if (the ``train`` permission)."""
        self._can_save = allowed
        self.save_button.setToolTip(why)
        if not allowed:
            self.save_button.setEnabled(False)

    @property
    def pause_at_intake(self) -> bool:
        return self.pause_box.isChecked()

    def show_intake(self, incident_id: int, title: str) -> None:
        """An incident was just received: the ranking follows (``show_ranking``)."""
        self.incident_id = incident_id
        self.title.setText(title)
        self.units.clear()
        self.result.clear()
        self.score_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.raise_()

    def show_ranking(self, incident_id: int, ranking: list[Recommendation]) -> None:
        if incident_id != self.incident_id:
            return
        self.units.blockSignals(True)
        self.units.clear()
        for rec in ranking:
            ring = (self.tr("%1-minute ring").replace("%1", str(rec.ring)) if rec.ring
                    else self.tr("beyond the rings"))
            eta = self.tr("ETA %1").replace("%1", labels.duration_text(rec.eta_s))
            item = QListWidgetItem(f"{rec.callsign}  ·  {labels.tier_name(rec.tier)}  ·  {eta}  ·  "
                                   f"{labels.distance_text(rec.distance_m)}  ·  {ring}")
            item.setData(Qt.ItemDataRole.UserRole, rec.callsign)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.units.addItem(item)
        self.units.blockSignals(False)
        if not ranking:
            self.result.setText(html.escape(self.tr("No unit could have been sent at that moment.")))

    def check(self, callsigns: list[str]) -> None:
        for i in range(self.units.count()):
            item = self.units.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in callsigns
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        return [self.units.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.units.count())
                if self.units.item(i).checkState() == Qt.CheckState.Checked]

    def show_score(self, score: DrillScore, actual_callsigns: list[str], actual_eta_s: float | None) -> None:
        e = html.escape
        muted = theme.ui_color("muted")
        eta = lambda v: labels.duration_text(v) if v is not None else "—"  # noqa: E731
        yes_no = lambda v: "—" if v is None else (self.tr("yes") if v else self.tr("no"))  # noqa: E731
        rows = [
            (self.tr("Best ETA"), f"{eta(score.best_eta_s)} ({score.best_callsign or '—'})"),
            (self.tr("Your ETA"), eta(score.chosen_eta_s)),
            (self.tr("Difference"), eta(score.eta_diff_s) if score.eta_diff_s is not None else "—"),
            (self.tr("Ring met (5 min)"), yes_no(score.ring_met)),
            (self.tr("Tier"), labels.tier_name(score.tier) if score.tier is not None else "—"),
            (self.tr("Tier appropriate"), yes_no(score.tier_ok)),
            (self.tr("Actually sent"), f"{'、'.join(actual_callsigns) or '—'} · {eta(actual_eta_s)}"),
        ]
        if score.unknown:
            rows.append((self.tr("Could not have gone"), "、".join(score.unknown)))
        table = "".join(f"<tr><td style='color:{muted};padding-right:8px'>{e(k)}</td><td>{e(v)}</td></tr>"
                        for k, v in rows)
        colour = theme.ui_color("ok" if score.score >= 80 else "warn" if score.score >= 50 else "alert")
        headline = self.tr("Score %1").replace("%1", f"{score.score:.0f}")
        self.result.setText(f"<div style='font-size:22px;font-weight:bold;color:{colour}'>"
                            f"{e(headline)}</div><table>{table}</table>")
        self.save_button.setEnabled(self._can_save)

    def show_saved(self, result_id: int) -> None:
        self.save_button.setEnabled(False)
        saved = self.tr("Saved (drill result %1).").replace("%1", str(result_id))
        self.result.setText(self.result.text() + f"<p>{html.escape(saved)}</p>")
