"""Tiered reinforcement (梯次增援): the three tiers and their forces with availability
and how many units reach the selected incident within 1/3/5 minutes; the rules'
suggestions with their reasons; and the order itself, which a person gives after a
confirmation and which is recorded with who, when and why."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDockWidget, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
    QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from typing import TYPE_CHECKING

from core.incident_actions import EscalationOrder
from desktop import labels, theme

if TYPE_CHECKING:
    from core.escalation import EscalationPicture, Suggestion
    from core.incidents import IncidentSnapshot

TOP_TIER = 3  # 第三梯队; core.escalation (numpy, shapely) is imported on first use


class EscalationDock(QDockWidget):
    """Declared header: name ``escalation``; signal ``sig_escalation_ordered(EscalationOrder)``.
    It shows an ``EscalationPicture`` the incident controller computed (core.escalation)."""

    NAME = "escalation"
    sig_escalation_ordered = Signal(object)  # EscalationOrder

    def __init__(self, parent=None):
        super().__init__(self.tr("Tiered reinforcement"), parent)
        self.setObjectName("dock_escalation")
        self.incident: "IncidentSnapshot | None" = None
        self.suggestions: "list[Suggestion]" = []
        self.header = QLabel(self.tr("Select an incident."))
        self.header.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(6)
        self.tree.setHeaderLabels([self.tr("Tier / force"), self.tr("Units"), self.tr("Available"),
                                   self.tr("≤1 min"), self.tr("≤3 min"), self.tr("≤5 min")])
        self.suggestion_list = QListWidget()
        self.suggestion_list.setMaximumHeight(100)
        self.escalate_button = QPushButton()
        theme.set_role(self.escalate_button, "danger")
        self.deescalate_button = QPushButton()
        buttons = QHBoxLayout()
        buttons.addWidget(self.escalate_button)
        buttons.addWidget(self.deescalate_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.tree, 1)
        layout.addWidget(QLabel(self.tr("Suggestions")))
        layout.addWidget(self.suggestion_list)
        layout.addLayout(buttons)
        self.setWidget(body)
        self.escalate_button.clicked.connect(lambda: self._order(up=True))
        self.deescalate_button.clicked.connect(lambda: self._order(up=False))
        self._update_buttons()

    def rule_names(self) -> dict[str, str]:
        return {"no_tier1_in_time": self.tr("No tier-1 unit within 5 minutes"),
                "level_raised": self.tr("Level raised"),
                "support_requested": self.tr("A unit on scene requests support"),
                "handling_overrun": self.tr("On-scene handling overruns")}

    def force_names(self) -> dict[str, str]:
        names = labels.force_names()
        names["grid_patrol@2"] = names["grid_reserve"]
        return names

    def show_picture(self, picture: "EscalationPicture") -> None:
        """Availability per tier and force for the incident, and what the rules suggest."""
        incident = picture.incident
        self.incident = incident
        self.header.setText(self.tr("%1 · currently %2").replace("%1", incident.number)
                            .replace("%2", labels.tier_name(incident.tier)))
        self.tree.clear()
        names = self.force_names()
        for tier, forces in picture.tiers:
            item = QTreeWidgetItem([labels.tier_name(tier)])
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            if tier <= incident.tier:
                item.setBackground(0, QBrush(QColor(theme.ui_color("tier_active"))))
            for f in forces:
                key = f"{f.force}@{tier}" if f"{f.force}@{tier}" in names else f.force
                item.addChild(QTreeWidgetItem([names.get(key, f.label), str(f.total), str(f.available),
                                               str(f.rings.get(1, 0)), str(f.rings.get(3, 0)), str(f.rings.get(5, 0))]))
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
        for col in range(6):
            self.tree.resizeColumnToContents(col)
        self.suggestions = list(picture.suggestions)
        self.suggestion_list.clear()
        rules = self.rule_names()
        for s in self.suggestions:
            entry = QListWidgetItem(f"⚠ {rules.get(s.rule, s.rule)} → {labels.tier_name(s.to_tier)}")
            entry.setToolTip(s.reason)
            entry.setForeground(QBrush(QColor(theme.ui_color("alert"))))
            self.suggestion_list.addItem(entry)
        if not self.suggestions:
            self.suggestion_list.addItem(self.tr("No rule suggests escalating."))
        self._update_buttons()

    def clear(self) -> None:
        self.incident = None
        self.suggestions = []
        self.header.setText(self.tr("Select an incident."))
        self.tree.clear()
        self.suggestion_list.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        inc = self.incident
        up = inc is not None and inc.is_open and inc.tier < TOP_TIER
        down = inc is not None and inc.is_open and inc.tier > 1
        self.escalate_button.setEnabled(up)
        self.deescalate_button.setEnabled(down)
        tier = inc.tier if inc else 1
        self.escalate_button.setText(self.tr("Order %1 in…").replace("%1", labels.tier_name(min(tier + 1, TOP_TIER))))
        self.deescalate_button.setText(self.tr("Stand down to %1…").replace("%1", labels.tier_name(max(tier - 1, 1))))

    def _order(self, up: bool) -> None:
        """A person orders; the dialog is the confirmation and asks why (recorded)."""
        inc = self.incident
        if inc is None:
            return
        to_tier = inc.tier + 1 if up else inc.tier - 1
        suggestion = next((s for s in self.suggestions if s.to_tier >= to_tier), None) if up else None
        title = self.tr("Order %1 in") if up else self.tr("Stand down to %1")
        prompt = self.tr("Incident %1: reason for this order (it is recorded with your name and the time):")
        # Prefilled with the rule's name in the UI language; its English detail stays a tooltip.
        prefill = self.rule_names().get(suggestion.rule, suggestion.rule) if suggestion else ""
        reason, ok = QInputDialog.getText(self, title.replace("%1", labels.tier_name(to_tier)),
                                          prompt.replace("%1", inc.number), QLineEdit.EchoMode.Normal, prefill)
        if not ok:
            return
        if not reason.strip():
            self.header.setText(self.tr("An order needs a reason; nothing was recorded."))
            return
        self.sig_escalation_ordered.emit(EscalationOrder(inc.id, to_tier, reason.strip(),
                                                         suggestion.rule if suggestion else None, inc.version))

