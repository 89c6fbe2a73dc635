"""How a period's figures are labelled and written, wherever they are shown: the statistics
dock's table, the printed report and the spreadsheet. The figures themselves (their keys and
definitions) belong to ``core.period_report`` and the README's table; this only names them,
in the order a commander reads them, and formats their values. Pure: no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.workorders import LIGHT_COLORS

# unit kinds: count, pct, signed_pct (同比/环比 carry their sign), cny, seconds
@dataclass(frozen=True)
class FigureRow:
    path: tuple[str, ...]  # keys into PeriodReport.figures, e.g. ("response", "median_s")
    label_zh: str
    label_en: str
    unit: str

    @property
    def key(self) -> str:
        return ".".join(self.path)

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


FIGURE_ROWS: tuple[FigureRow, ...] = (
    FigureRow(("incidents",), "警情总数", "Incidents", "count"),
    FigureRow(("incidents_yoy_pct",), "警情同比", "Incidents vs last year", "signed_pct"),
    FigureRow(("incidents_mom_pct",), "警情环比", "Incidents vs previous period", "signed_pct"),
    FigureRow(("dispatches",), "就近处警", "Nearest-unit dispatches", "count"),
    FigureRow(("accidents_on_scene",), "交通事故现场简易处理", "Accidents handled on scene", "count"),
    FigureRow(("problems_found",), "发现城市管理问题", "City-order problems found", "count"),
    FigureRow(("problems_handed_over",), "　其中移交处理", "  of which handed over", "count"),
    FigureRow(("rescued",), "救助群众", "People rescued", "count"),
    FigureRow(("property_recovered_cny",), "挽回财产损失", "Property recovered", "cny"),
    FigureRow(("mediations",), "调解纠纷", "Disputes mediated", "count"),
    FigureRow(("commendations",), "锦旗、表扬信", "Commendations", "count"),
    FigureRow(("joint_patrols",), "城警合巡", "Joint patrols", "count"),
    FigureRow(("visibility_pct",), "见警率", "Police visibility", "pct"),
    FigureRow(("line_coverage_pct",), "巡查率（必巡线覆盖）", "Line coverage", "pct"),
    FigureRow(("response", "n"), "到场次数", "Arrivals", "count"),
    FigureRow(("response", "median_s"), "到场时间中位数", "Median response", "seconds"),
    FigureRow(("response", "within_1min_pct"), "1分钟到场率", "Within 1 minute", "pct"),
    FigureRow(("response", "within_3min_pct"), "3分钟到场率", "Within 3 minutes", "pct"),
    FigureRow(("response", "within_5min_pct"), "5分钟到场率", "Within 5 minutes", "pct"),
    FigureRow(("workorders", "issued"), "交办单下发", "Work orders issued", "count"),
    FigureRow(("workorders", "closed"), "交办单办结", "Work orders closed", "count"),
    FigureRow(("workorders", "on_time_pct"), "按期办结率", "Closed on time", "pct"),
)

NO_VALUE = "—"  # a figure with no base (同比 over an empty year) or no events (no arrival: no median)


def figure_value(figures: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = figures
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def format_value(value: Any, unit: str, language: str = "zh_CN") -> str:
    """A figure as printed: counts with thousands separators, percentages to 0.1 as
    ``stats --json`` rounds them, 同比/环比 with their sign, money in yuan, a median as m:ss."""
    if value is None:
        return NO_VALUE
    if unit == "pct":
        return f"{value:.1f}%"
    if unit == "signed_pct":
        return f"{value:+.1f}%"
    if unit == "cny":
        return f"¥{value:,.0f}" if language == "en" else f"{value:,.0f} 元"
    if unit == "seconds":
        seconds = round(value)
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def figure_table(figures: dict[str, Any], language: str = "zh_CN") -> list[tuple[str, str, str]]:
    """(key, label, formatted value) of every figure, in FIGURE_ROWS' order."""
    return [(row.key, row.label(language), format_value(figure_value(figures, row.path), row.unit, language))
            for row in FIGURE_ROWS]


LIGHT_LABELS = {"green": ("绿灯", "Green"), "yellow": ("黄灯", "Yellow"), "red": ("红灯", "Red"),
                "closed": ("已办结", "Closed"), "cancelled": ("已撤销", "Cancelled")}
# closed and cancelled orders have no light: greys
LIGHT_DRAW_COLORS = {**LIGHT_COLORS, "closed": "#757575", "cancelled": "#bdbdbd"}


def light_label(light: str, language: str = "zh_CN") -> str:
    zh, en = LIGHT_LABELS.get(light, (light, light))
    return en if language == "en" else zh


RESPONSE_RINGS_S = (60, 180, 300)  # the 1-3-5 minute rule (docs/domain.md)


def response_histogram(seconds, bin_s: int = 30, limit_s: int = 600) -> tuple[list[int], list[int]]:
    """(bin left edges, counts) of response times in ``bin_s`` bins up to ``limit_s``; slower
    arrivals land in the last bin, so the chart keeps the 1/3/5-minute lines in view."""
    edges = list(range(0, limit_s, bin_s))
    counts = [0] * len(edges)
    for s in seconds:
        counts[min(int(max(s, 0) // bin_s), len(edges) - 1)] += 1
    return edges, counts


@dataclass(frozen=True)
class ChartTitle:
    name: str  # incidents | response | categories | joint_patrols | workorders
    title_zh: str
    title_en: str

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_zh


CHARTS: tuple[ChartTitle, ...] = (
    ChartTitle("incidents", "每日警情（柱）与去年同期（线）", "Incidents per day (bars) and last year (line)"),
    ChartTitle("response", "到场时间分布（1/3/5分钟线）", "Response times (1/3/5-minute lines)"),
    ChartTitle("categories", "警情类别", "Incident categories"),
    ChartTitle("joint_patrols", "每日城警合巡", "Joint patrols per day"),
    ChartTitle("workorders", "交办单灯色", "Work orders by light"),
)
LAST_YEAR = ("去年同期", "Last year")
MINUTES = ("分钟", "min")


def words(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language == "en" else pair[0]
