"""Display names for domain codes, in one place, through Qt's translations."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from core import layers as L
from desktop.map.page import PageLabels


def _t(text: str) -> str:
    return QCoreApplication.translate("labels", text)


def layer_names() -> dict[str, str]:
    return {
        L.GRIDS: _t("Grids"), L.STATIONS: _t("Stations"), L.POINTS: _t("Must-visit points"),
        L.LINES: _t("Must-patrol lines"), L.TARGETS: _t("Key targets"), L.STREETS: _t("Streets"),
    }


def kind_names() -> dict[str, str]:
    return {
        "joint_service_station": _t("Joint service station"), "swat_post": _t("SWAT post"),
        "police_station": _t("Police station"), "traffic_post": _t("Traffic police post"),
        "government": _t("Party and government centre"), "business": _t("Business district"),
        "school": _t("School"), "hospital": _t("Hospital"), "night_market": _t("Night market"),
        "complex_order": _t("Complex public order area"), "crowded_place": _t("Crowded place"),
        "primary": _t("Main road"), "secondary": _t("Secondary road"), "residential": _t("Side street"),
    }


def field_names() -> dict[str, str]:
    return {
        "code": _t("Code"), "commander": _t("Grid commander"), "political_commissar": _t("Political commissar"),
        "phone": _t("Phone"), "kind": _t("Kind"), "grid_code": _t("Grid"), "radius_m": _t("Radius (m)"),
        "visits_per_shift": _t("Visits per shift"), "corridor_m": _t("Corridor width (m)"),
        "passes_per_shift": _t("Passes per shift"), "time_windows": _t("Time windows"), "any_time": _t("Any time"),
    }


def page_labels(basemap_note: str = "") -> PageLabels:
    return PageLabels(layer_names=layer_names(), kind_names=kind_names(), field_names=field_names(),
                      legend_title=_t("Legend"), basemap_note=basemap_note)
