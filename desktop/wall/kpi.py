"""The KPI strip: today's figures (defined in ``core.daily_figures``), one tile per
figure, a caption over a large value and a detail line. "—" where a figure has no
value yet (no arrivals today; joint patrols and work orders until those features land)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from core.daily_figures import DailyFigures
from desktop import labels, theme

DASH = "—"
TILES = ("on_duty", "available", "incidents", "response", "within", "joint_patrols", "overdue_orders")


def percent(share: float | None) -> str:
    return DASH if share is None else f"{share * 100:.0f}%"


class KpiStrip(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("wall_kpi")
        captions = {
            "on_duty": self.tr("Units on duty"), "available": self.tr("Available now"),
            "incidents": self.tr("Incidents today (open / closed)"), "response": self.tr("Median response today"),
            "within": self.tr("Arrived within 1 / 3 / 5 min"), "joint_patrols": self.tr("Joint patrols today"),
            "overdue_orders": self.tr("Overdue work orders"),
        }
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        self.captions: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        self.details: dict[str, QLabel] = {}
        for row, key in enumerate(TILES):
            caption, value, detail = QLabel(captions[key]), QLabel(DASH), QLabel("")
            caption.setObjectName("wall_kpi_caption")
            value.setObjectName("wall_kpi_value")
            detail.setObjectName("wall_kpi_detail")
            theme.set_role(caption, "muted")
            caption.setWordWrap(True)
            detail.setWordWrap(True)  # the agency breakdown is long in English
            detail.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(caption, 2 * row, 0, 1, 2)
            grid.addWidget(value, 2 * row + 1, 0)
            grid.addWidget(detail, 2 * row + 1, 1)
            self.captions[key], self.values[key], self.details[key] = caption, value, detail
        grid.setColumnStretch(1, 1)

    def show_figures(self, f: DailyFigures) -> None:
        agencies = labels.agency_names()
        self._set("on_duty", str(f.on_duty),
                  " · ".join(f"{agencies.get(a, a)} {n}" for a, n in f.on_duty_by_agency.items()))
        self._set("available", str(f.available_now), "")
        self._set("incidents", f"{f.incidents_open} / {f.incidents_closed}", "")
        self._set("response", DASH if f.median_response_s is None else labels.duration_text(f.median_response_s),
                  self.tr("%1 arrivals").replace("%1", str(f.arrivals)))
        self._set("within", " · ".join(percent(f.within_share.get(r)) for r in (1, 3, 5)), "")
        self._set("joint_patrols", DASH if f.joint_patrols is None else str(f.joint_patrols), "")
        self._set("overdue_orders", DASH if f.overdue_work_orders is None else str(f.overdue_work_orders), "")

    def _set(self, key: str, value: str, detail: str) -> None:
        self.values[key].setText(value)
        self.details[key].setText(detail)

    def set_stale(self, stale: bool) -> None:
        """Greyed while the database is unreachable: the figures are the last ones read."""
        for label in (*self.values.values(), *self.details.values()):
            theme.set_role(label, "muted" if stale else "")
