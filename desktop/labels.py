"""Display names for domain codes, in one place, through Qt's translations."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from core import layers as L
from desktop.map.page_inputs import PageLabels


# Each call is spelled out in full so pyside6-lupdate can extract the string.
def layer_names() -> dict[str, str]:
    return {
        L.GRIDS: QCoreApplication.translate("labels", "Grids"), L.STATIONS: QCoreApplication.translate("labels", "Stations"), L.POINTS: QCoreApplication.translate("labels", "Must-visit points"),
        L.LINES: QCoreApplication.translate("labels", "Must-patrol lines"), L.TARGETS: QCoreApplication.translate("labels", "Key targets"), L.STREETS: QCoreApplication.translate("labels", "Streets"),
    }


def kind_names() -> dict[str, str]:
    return {
        "joint_service_station": QCoreApplication.translate("labels", "Joint service station"), "swat_post": QCoreApplication.translate("labels", "SWAT post"),
        "police_station": QCoreApplication.translate("labels", "Police station"), "traffic_post": QCoreApplication.translate("labels", "Traffic police post"),
        "government": QCoreApplication.translate("labels", "Party and government centre"), "business": QCoreApplication.translate("labels", "Business district"),
        "school": QCoreApplication.translate("labels", "School"), "hospital": QCoreApplication.translate("labels", "Hospital"), "night_market": QCoreApplication.translate("labels", "Night market"),
        "complex_order": QCoreApplication.translate("labels", "Complex public order area"), "crowded_place": QCoreApplication.translate("labels", "Crowded place"),
        "primary": QCoreApplication.translate("labels", "Main road"), "secondary": QCoreApplication.translate("labels", "Secondary road"), "residential": QCoreApplication.translate("labels", "Side street"),
    }


def field_names() -> dict[str, str]:
    return {
        "code": QCoreApplication.translate("labels", "Code"), "commander": QCoreApplication.translate("labels", "Grid commander"), "political_commissar": QCoreApplication.translate("labels", "Political commissar"),
        "phone": QCoreApplication.translate("labels", "Phone"), "kind": QCoreApplication.translate("labels", "Kind"), "grid_code": QCoreApplication.translate("labels", "Grid"), "radius_m": QCoreApplication.translate("labels", "Radius (m)"),
        "visits_per_shift": QCoreApplication.translate("labels", "Visits per shift"), "corridor_m": QCoreApplication.translate("labels", "Corridor width (m)"),
        "passes_per_shift": QCoreApplication.translate("labels", "Passes per shift"), "time_windows": QCoreApplication.translate("labels", "Time windows"), "any_time": QCoreApplication.translate("labels", "Any time"),
    }


def page_labels(basemap_note: str = "") -> PageLabels:
    kinds = {**kind_names(), **{f"agency_{k}": v for k, v in agency_names().items()},
             **{f"status_{k}": v for k, v in status_names().items()},
             "stale": QCoreApplication.translate("labels", "No fresh fix")}
    return PageLabels(layer_names=layer_names(), kind_names=kinds, field_names=field_names(),
                      legend_title=QCoreApplication.translate("labels", "Legend"), basemap_note=basemap_note)


def agency_names() -> dict[str, str]:
    return {"police": QCoreApplication.translate("labels", "Police"),
            "city": QCoreApplication.translate("labels", "City management"),
            "joint": QCoreApplication.translate("labels", "Joint")}


def status_names() -> dict[str, str]:
    return {"available": QCoreApplication.translate("labels", "Available"),
            "dispatched": QCoreApplication.translate("labels", "Dispatched"),
            "en_route": QCoreApplication.translate("labels", "En route"),
            "on_scene": QCoreApplication.translate("labels", "On scene"),
            "off_duty": QCoreApplication.translate("labels", "Off duty")}


def force_names() -> dict[str, str]:
    return {"grid_patrol": QCoreApplication.translate("labels", "Joint patrol group"),
            "swat": QCoreApplication.translate("labels", "SWAT team"),
            "station_police": QCoreApplication.translate("labels", "Station police"),
            "traffic_police": QCoreApplication.translate("labels", "Traffic police"),
            "grid_reserve": QCoreApplication.translate("labels", "Grid joint forces"),
            "youth_commando": QCoreApplication.translate("labels", "Youth commando"),
            "city_emergency": QCoreApplication.translate("labels", "City-management emergency team")}


def tier_name(tier: int) -> str:
    return {1: QCoreApplication.translate("labels", "Tier 1"), 2: QCoreApplication.translate("labels", "Tier 2"),
            3: QCoreApplication.translate("labels", "Tier 3")}.get(tier, str(tier))


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return QCoreApplication.translate("labels", "no fix")
    s = max(0, int(seconds))
    if s < 120:
        return QCoreApplication.translate("labels", "%1 s").replace("%1", str(s))
    if s < 7200:
        return QCoreApplication.translate("labels", "%1 min").replace("%1", str(s // 60))
    return QCoreApplication.translate("labels", "%1 h").replace("%1", str(s // 3600))


def state_names() -> dict[str, str]:
    return {"received": QCoreApplication.translate("labels", "Received"), "dispatched": QCoreApplication.translate("labels", "Dispatched"),
            "acknowledged": QCoreApplication.translate("labels", "Acknowledged"), "en_route": QCoreApplication.translate("labels", "En route"),
            "on_scene": QCoreApplication.translate("labels", "On scene"), "handling": QCoreApplication.translate("labels", "Handling"),
            "reported": QCoreApplication.translate("labels", "Result reported"), "closed": QCoreApplication.translate("labels", "Closed"),
            "cancelled": QCoreApplication.translate("labels", "Cancelled"), "invalid": QCoreApplication.translate("labels", "Invalid call")}


def local_time(value, zone: str = "Asia/Shanghai", with_date: bool = False) -> str:
    """UTC timestamps are shown in the configured zone."""
    from zoneinfo import ZoneInfo

    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(zone))
    return local.strftime("%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def duration_text(seconds: float) -> str:
    """An ETA as a dispatcher reads it: 1分13秒 / 1 min 13 s."""
    s = max(0, int(round(seconds)))
    m, s = divmod(s, 60)
    if not m:
        return QCoreApplication.translate("labels", "%1 s").replace("%1", str(s))
    return QCoreApplication.translate("labels", "%1 min %2 s").replace("%1", str(m)).replace("%2", str(s))


def distance_text(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"
