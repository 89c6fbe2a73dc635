"""The KPI strip: today's figures (defined in ``core.daily_figures``), one tile per
figure, a caption over a large value and a detail line. "—" where a figure has no
value yet (no arrivals today)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from core.daily_figures import DailyFigures
from desktop import labels, theme

DASH = "—"
# (row, column, columns spanned): long values and the agency breakdown get a whole row.
TILE_PLACES = {"on_duty": (0, 0, 2), "available": (1, 0, 1), "incidents": (1, 1, 1), "response": (2, 0, 2),
               "within": (3, 0, 2), "joint_patrols": (4, 0, 1), "overdue_orders": (4, 1, 1)}


def percent(share: float | None) -> str:
    return DASH if share is None else f"{share * 100:.0f}%"


class KpiStrip(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("wall_kpi")
        captions = {
            "on_duty": self.tr("Units on duty"), "available": self.tr("Available now"),
            "incidents": self.tr("Today: open / closed"), "response": self.tr("Median response today"),
            "within": self.tr("Arrived within 1 / 3 / 5 min"), "joint_patrols": self.tr("Joint patrols today"),
            "overdue_orders": self.tr("Overdue work orders"),
        }
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(0)
        self.captions: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        self.details: dict[str, QLabel] = {}
        for key, (row, column, span) in TILE_PLACES.items():
            caption, value, detail = QLabel(captions[key]), QLabel(DASH), QLabel("")
            caption.setObjectName("wall_kpi_caption")
            value.setObjectName("wall_kpi_value")
            detail.setObjectName("wall_kpi_detail")
            theme.set_role(caption, "muted")
            caption.setWordWrap(True)
            detail.setWordWrap(True)  # the agency breakdown is long in English
            detail.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            tile = QWidget()
            box = QGridLayout(tile)
            box.setContentsMargins(0, 4, 0, 4)
            box.setSpacing(0)
            box.addWidget(caption, 0, 0, 1, 2)
            box.addWidget(value, 1, 0)
            box.addWidget(detail, 1, 1)
            box.setColumnStretch(1, 1)
            grid.addWidget(tile, row, column, 1, span)
            self.captions[key], self.values[key], self.details[key] = caption, value, detail
        grid.setColumnStretch(0, 1)
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
