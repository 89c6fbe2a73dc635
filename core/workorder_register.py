"""The register of work orders (交办单台账) as a table: its columns, in one place, for
the CSV and XLSX exports. Pure."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.workorders import RATINGS, STATUS_LABELS_ZH, WorkOrderSnapshot, iso_z

# (key, 中文 heading)
COLUMNS = (
    ("number", "编号"), ("title", "事项"), ("kind", "类型"), ("source", "来源"), ("department", "承办部门代码"),
    ("department_name", "承办部门"), ("grid_code", "网格"), ("lat", "纬度"), ("lon", "经度"),
    ("issued_utc", "交办时间(UTC)"), ("status", "状态"), ("status_zh", "状态(中文)"), ("light", "预警灯"),
    ("overdue", "超期节点"), ("deploy_utc", "部署期限(UTC)"), ("progress_utc", "反馈期限(UTC)"),
    ("resolve_utc", "办结期限(UTC)"), ("signed_utc", "签收时间(UTC)"), ("first_progress_utc", "首次反馈(UTC)"),
    ("closed_utc", "办结时间(UTC)"), ("cancelled_utc", "销号时间(UTC)"), ("extended_to_utc", "延期至(UTC)"),
    ("rating", "评价"), ("assigning_unit", "交办单位"), ("responsible", "责任人"), ("contact", "联系方式"),
    ("description", "问题描述"), ("result", "办理结果"), ("reviewer_opinion", "审核意见"),
)


def register_row(order: WorkOrderSnapshot, details: Mapping[str, Any]) -> dict[str, Any]:
    """One order as the register's row; ``details`` holds the fields beyond the list's."""
    d = order.deadlines
    return {
        "number": order.number, "title": order.title, "kind": order.kind, "source": order.source,
        "department": order.department, "department_name": order.department_name, "grid_code": order.grid_code,
        "lat": order.lat, "lon": order.lon, "issued_utc": iso_z(order.issued_at), "status": order.status,
        "status_zh": STATUS_LABELS_ZH.get(order.status, order.status), "light": order.light,
        "overdue": ",".join(order.overdue), "deploy_utc": iso_z(d.deploy), "progress_utc": iso_z(d.progress),
        "resolve_utc": iso_z(d.resolve), "signed_utc": iso_z(details.get("signed_at")),
        "first_progress_utc": iso_z(details.get("first_progress_at")), "closed_utc": iso_z(details.get("closed_at")),
        "cancelled_utc": iso_z(details.get("cancelled_at")), "extended_to_utc": iso_z(details.get("extended_to")),
        "rating": RATINGS.get(order.rating, order.rating) if order.rating else None,
        **{k: details.get(k) for k in ("assigning_unit", "responsible", "contact", "description", "result",
                                       "reviewer_opinion")},
    }
