"""Build the map page with folium: a pure function from layer data and settings to HTML.

No Qt here, so the page can be checked without a browser. Every asset URL points
into ``gridapp://gridcommand/web/``; the stock folium CDN lists are never used."""
from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template

from core import layers as L
from core.crs import shift_for_basemap, shift_geometry
from core.layers import LayerFeature
from core.settings import BasemapSettings, MapSettings
from desktop.map.page_inputs import PageLabels
from desktop.map.schemes import TILES_URL, WEB_ROOT

VENDOR = WEB_ROOT + "vendor/"


class OfflineMap(folium.Map):
    """folium.Map with vendored assets (class lists are replaced, never mutated)."""

    default_js = [
        ("leaflet", VENDOR + "leaflet/leaflet.js"),
        ("qwebchannel", WEB_ROOT + "qwebchannel.js"),
        ("gridmap", WEB_ROOT + "gridmap.js"),
        ("gridmap_units", WEB_ROOT + "gridmap_units.js"),
        ("gridmap_incidents", WEB_ROOT + "gridmap_incidents.js"),
    ]
    default_css = [
        ("leaflet_css", VENDOR + "leaflet/leaflet.css"),
        ("gridmap_css", WEB_ROOT + "gridmap.css"),
    ]


class _Registry(MacroElement):
    """Hands the Leaflet objects folium created to our JS module, after they exist."""

    _template = Template("""
{% macro script(this, kwargs) %}
gridmap.init({{ this._parent.get_name() }}, {{ this.layers_js }}, {{ this.config_json }});
{% endmacro %}
""")

    def __init__(self, layers: dict[str, list[str]], config: dict[str, Any]):
        super().__init__()
        self._name = "GridmapRegistry"
        self.layers_js = "{" + ",".join(f"{json.dumps(k)}: [{', '.join(v)}]" for k, v in layers.items()) + "}"
        self.config_json = json.dumps(config, ensure_ascii=False)


# Drawing style per layer and kind: colours a dispatcher can tell apart across a room.
STATION_STYLE = {
    "joint_service_station": ("#1565c0", "站"),
    "swat_post": ("#000000", "特"),
    "police_station": ("#0d47a1", "所"),
    "traffic_post": ("#2e7d32", "交"),
}
TARGET_STYLE = {
    "government": ("#c62828", "政"),
    "business": ("#ef6c00", "商"),
    "school": ("#6a1b9a", "校"),
    "hospital": ("#d81b60", "医"),
    "night_market": ("#f9a825", "夜"),
    "complex_order": ("#4e342e", "治"),
    "crowded_place": ("#00838f", "众"),
}
# Kept in step with resources/web/gridmap_units.js: fill shows the agency, the ring the status.
UNIT_FILL = {"police": "#1565c0", "city": "#2e7d32", "joint": "#7b1fa2"}
UNIT_STROKE = {"dispatched": "#ff9800", "en_route": "#ffeb3b", "on_scene": "#d50000"}
GRID_COLORS = ["#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00acc1", "#e53935", "#6d4c41", "#3949ab"]
ROAD_WEIGHT = {"primary": 6, "secondary": 4, "residential": 2}


def _collection(features: list[LayerFeature], basemap_crs: str) -> dict:
    out = []
    for f in features:
        gj = f.to_geojson()
        gj["geometry"] = shift_geometry(gj["geometry"], basemap_crs)
        out.append(gj)
    return {"type": "FeatureCollection", "features": out}


def _bind(layer: str) -> JsCode:
    return JsCode(f"function (feature, layer) {{ gridmap.bindFeature({json.dumps(layer)}, feature, layer); }}")


def _badge(color: str, glyph: str) -> folium.Marker:
    html = f'<div class="gc-badge" style="background:{color}">{glyph}</div>'
    return folium.Marker(icon=folium.DivIcon(html=html, icon_size=(22, 22), icon_anchor=(11, 11), class_name="gc-badge-icon"))


def _add_basemap(m: folium.Map, basemap: BasemapSettings) -> None:
    if basemap.kind == "mbtiles":
        folium.TileLayer(tiles=TILES_URL, attr=basemap.attribution or "MBTiles", name="basemap",
                         max_zoom=basemap.max_zoom, control=False).add_to(m)
    elif basemap.kind == "url":
        folium.TileLayer(tiles=basemap.url, attr=basemap.attribution or basemap.url.split("/")[2],
                         name="basemap", max_zoom=basemap.max_zoom, control=False).add_to(m)


def build_page(
    layers: dict[str, list[LayerFeature]], basemap: BasemapSettings, view: MapSettings, labels: PageLabels,
) -> str:
    """The whole HTML page for the map."""
    crs = basemap.crs if basemap.kind != "none" else "wgs84"
    center = shift_for_basemap(view.center_lon, view.center_lat, crs)
    m = OfflineMap(location=(center[1], center[0]), zoom_start=view.zoom, tiles=None, control_scale=True,
                   prefer_canvas=True, max_zoom=basemap.max_zoom, zoom_control=True,
                   zoom_snap=0.25, zoom_delta=0.5)
    grids = layers.get(L.GRIDS, [])
    if grids:
        # Fit before any layer is added, so Leaflet projects the features only once.
        (minx, miny), (maxx, maxy) = (shift_for_basemap(min(g.bbox[0] for g in grids), min(g.bbox[1] for g in grids), crs),
                                      shift_for_basemap(max(g.bbox[2] for g in grids), max(g.bbox[3] for g in grids), crs))
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(10, 10))
    _add_basemap(m, basemap)
    registry: dict[str, list[str]] = {}

    def add(layer: str, sub_name: str, features: list[LayerFeature], show: bool = True, **kwargs) -> None:
        group = folium.GeoJson(_collection(features, crs), name=sub_name, show=show,
                               on_each_feature=_bind(layer), **kwargs)
        group.add_to(m)
        registry.setdefault(layer, []).append(group.get_name())

    names = labels.layer_names
    # Streets: the vector basemap when there is no tile basemap; still switchable over tiles.
    streets = layers.get(L.STREETS, [])
    add(L.STREETS, names[L.STREETS], streets, show=basemap.kind == "none",
        style_function=lambda f: {"color": "#9e9e9e", "weight": ROAD_WEIGHT.get(f["properties"].get("kind"), 2),
                                  "opacity": 0.9})
    grid_color = {g.code: GRID_COLORS[i % len(GRID_COLORS)] for i, g in enumerate(layers.get(L.GRIDS, []))}
    add(L.GRIDS, names[L.GRIDS], layers.get(L.GRIDS, []),
        style_function=lambda f: {"color": grid_color.get(f["properties"]["code"], "#1e88e5"), "weight": 3,
                                  "fillOpacity": 0.06, "dashArray": "8 4"})
    add(L.LINES, names[L.LINES], layers.get(L.LINES, []),
        style_function=lambda f: {"color": "#e65100", "weight": 5, "opacity": 0.85, "dashArray": "2 8",
                                  "lineCap": "round"})
    add(L.POINTS, names[L.POINTS], layers.get(L.POINTS, []),
        marker=folium.CircleMarker(radius=8, weight=3, color="#d50000", fill=True, fill_color="#ffeb3b",
                                   fill_opacity=0.95))
    for kind, (color, glyph) in TARGET_STYLE.items():
        features = [f for f in layers.get(L.TARGETS, []) if f.kind == kind]
        if features:
            add(L.TARGETS, f"{names[L.TARGETS]} · {labels.kind_names.get(kind, kind)}", features,
                marker=_badge(color, glyph), style_function=lambda f, c=color: {"color": c, "weight": 2})
    for kind, (color, glyph) in STATION_STYLE.items():
        features = [f for f in layers.get(L.STATIONS, []) if f.kind == kind]
        if features:
            add(L.STATIONS, f"{names[L.STATIONS]} · {labels.kind_names.get(kind, kind)}", features,
                marker=_badge(color, glyph))
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    legend = [{"kind": "grid", "label": names[L.GRIDS], "color": "#1e88e5"},
              {"kind": "line", "label": names[L.LINES], "color": "#e65100"},
              {"kind": "point", "label": names[L.POINTS], "color": "#d50000"}]
    legend += [{"kind": "badge", "label": labels.kind_names.get(k, k), "color": c, "glyph": g}
               for k, (c, g) in {**TARGET_STYLE, **STATION_STYLE}.items()]
    legend += [{"kind": "unit", "label": labels.kind_names.get(f"agency_{a}", a), "fill": c, "stroke": "#ffffff"}
               for a, c in UNIT_FILL.items()]
    legend += [{"kind": "unit", "label": labels.kind_names.get(f"status_{st}", st), "fill": "#9e9e9e", "stroke": c}
               for st, c in UNIT_STROKE.items()]
    legend.append({"kind": "unit", "label": labels.kind_names.get("stale", "stale"), "fill": "#bdbdbd",
                   "stroke": "#616161", "dashed": True})
    config = {
        "labels": {"fields": labels.field_names, "kinds": labels.kind_names, "layers": names,
                   "legendTitle": labels.legend_title, "basemapNote": labels.basemap_note},
        "legend": legend,
        "basemapCrs": crs,
        "labelMinZoom": view.label_min_zoom,
    }
    _Registry(registry, config).add_to(m)
    return m.get_root().render()
