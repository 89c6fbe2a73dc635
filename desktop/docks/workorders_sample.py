"""Sample work orders for previewing the work-order dock alone, without a database
(`python -m desktop.docks.workorders`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.settings import WorkOrderSettings
from core.workorders import (
    OPEN_STATUSES, PhotoRef, TimelineEntry, WorkOrderDetail, WorkOrderSnapshot, compute_deadlines, light_at,
    milestone_states, overdue_at, overdue_mask, warning_starts,
)

NOW = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)
# A tiny valid PNG (1 x 1, red), so the photo strip shows something.
SAMPLE_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082")
_ROWS = (  # title, department code, name, grid, kind, status, issued days ago, signed h, progress h, closed h
    ("东大街早市占道经营", "city_management", "城管", "G02", "ordinary", "in_progress", 5, 2, 30, None),
    ("新华路车辆乱停堵塞消防通道", "traffic_police", "交警", "G02", "ordinary", "issued", 1.5, None, None, None),
    ("邻里噪音纠纷", "police_station", "派出所", "G01", "ordinary", "signed", 2.2, 3, None, None),
    ("老旧小区消防隐患", "public_order", "治安", "G03", "major", "in_progress", 20, 4, 50, None),
    ("广告牌破损", "urban_construction", "城建", "G05", "ordinary", "closed", 9, 1, 20, 100),
    ("夜市油烟扰民", "market_regulation", "市场监管", "G04", "ordinary", "close_requested", 6.5, 5, 60, None),
)


def sample_orders(now: datetime = NOW) -> list[WorkOrderSnapshot]:
    settings, orders = WorkOrderSettings(), []
    for n, (title, dept, name, grid, kind, status, days, signed, progress, closed) in enumerate(_ROWS, 1):
        issued = now - timedelta(days=days)
        d = compute_deadlines(issued, kind, settings)
        stamp = lambda h: None if h is None else issued + timedelta(hours=h)  # noqa: E731
        ms = milestone_states(d, warning_starts(d, kind, settings), stamp(signed), stamp(progress), stamp(closed),
                              None)
        orders.append(WorkOrderSnapshot(
            n, f"JB{issued:%Y%m%d}-{n:04d}", title, kind, "patrol", dept, name, grid, 112.08 + n * 0.002,
            32.68 + n * 0.001, issued, status, d.deploy, d.progress, d.resolve, light_at(ms, now),
            overdue_mask(overdue_at(ms, now)), 1 + (status in OPEN_STATUSES)))
    return orders


def sample_detail(order: WorkOrderSnapshot) -> WorkOrderDetail:
    issued = order.issued_at
    timeline = (TimelineEntry(issued, "created", "指挥长", ""),
                TimelineEntry(issued + timedelta(hours=2), "signed", "城管中队", ""),
                TimelineEntry(issued + timedelta(hours=30), "progress", "城管中队", "已约谈摊主，限期清理"))
    return WorkOrderDetail(order=order, description="巡查发现：" + order.title, requirements="7日内清理到位",
                           assigning_unit="城警联勤指挥中心", responsible="张三", contact="13800000000",
                           signed_at=timeline[1].at, first_progress_at=timeline[2].at, closed_at=None,
                           cancelled_at=None, result=None, reviewer_opinion=None, timeline=timeline,
                           photos=(PhotoRef("ab" * 32, "image/png", len(SAMPLE_PNG)),))


_FINDINGS = (  # category code, name, description, outcome, grid, order row (1-based) or None, hours ago
    ("street_vending", "占道经营", "东大街早市摊点占用人行道", "handed_over", "G02", 1, 120),
    ("illegal_parking", "车辆乱停", "电动车堵塞消防通道，已当场劝离", "on_spot", "G02", None, 30),
    ("dispute", "矛盾纠纷", "邻里因噪音争吵", "handed_over", "G01", 3, 53),
    ("chronic_city_problem", "市容顽疾", "小广告反复张贴，已清除", "on_spot", None, None, 3),
)


def sample_findings(now: datetime = NOW) -> list:
    from core.findings import FindingSummary

    orders = {o.id: o for o in sample_orders(now)}
    return [FindingSummary(id=n, found_at=now - timedelta(hours=hours), found_by="巡查组", category=code,
                           category_name=name, description=text, outcome=outcome, grid_code=grid,
                           lon=112.08 + n * 0.003, lat=32.68 + n * 0.002, photo_count=n % 2,
                           order_id=order, order_number=orders[order].number if order else None)
            for n, (code, name, text, outcome, grid, order, hours) in enumerate(_FINDINGS, 1)]
