"""The map layer of open work orders: GeoJSON features coloured by light, for the
scene's work-order layer adapter to render. Pure."""
from __future__ import annotations

from collections.abc import Iterable

from core.workorders import LIGHT_COLORS, STATUS_LABELS_ZH, WorkOrderSnapshot, iso_z

# Red orders draw larger: the supervision list should catch the eye first.
_RADIUS = {"red": 9, "yellow": 7, "green": 6}


def workorder_map_features(orders: Iterable[WorkOrderSnapshot]) -> list[dict]:
    """One Point feature per open order that has a location; closed and cancelled
    orders and orders without coordinates are left out."""
    features = []
    for order in orders:
        if not order.is_open or order.lon is None or order.lat is None:
            continue
        color = LIGHT_COLORS[order.light]
        late = f" · 超期: {', '.join(order.overdue)}" if order.overdue else ""
        tooltip = (f"{order.number} {order.title} · {order.department_name} · "
                   f"{STATUS_LABELS_ZH.get(order.status, order.status)} · 办结期限 {iso_z(order.deadlines.resolve)}{late}")
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [order.lon, order.lat]},
            "properties": {"id": order.id, "tooltip": tooltip, "light": order.light,
                           "style": {"color": color, "fillColor": color, "radius": _RADIUS[order.light]}},
        })
    return features
