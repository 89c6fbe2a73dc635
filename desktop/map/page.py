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
from core.basemap_shift import BasemapShift
from core.layers import LayerFeature
from core.settings import BasemapSettings, MapSettings
from desktop.map.page_inputs import PageLabels
from desktop.map.schemes import TILES_URL, WEB_ROOT
from desktop.theme import map_colors

VENDOR = WEB_ROOT + "vendor/"


class OfflineMap(folium.Map):
    """folium.Map with vendored assets (class lists are replaced, never mutated)."""

    default_js = [
        ("leaflet", VENDOR + "leaflet/leaflet.js"),
        # Editing points and lines on the map (gridmap_edit.js); always in the page, so an
        # edit mode starts without a reload. ~290 kB parsed once per page load.
        ("leaflet_geoman", VENDOR + "leaflet-geoman/leaflet-geoman.js"),
        ("qwebchannel", WEB_ROOT + "qwebchannel.js"),
        ("gridmap", WEB_ROOT + "gridmap.js"),
        ("gridmap_units", WEB_ROOT + "gridmap_units.js"),
        ("gridmap_incidents", WEB_ROOT + "gridmap_incidents.js"),
        ("gridmap_overlays", WEB_ROOT + "gridmap_overlays.js"),
        ("gridmap_edit", WEB_ROOT + "gridmap_edit.js"),
    ]
    default_css = [
        ("leaflet_css", VENDOR + "leaflet/leaflet.css"),
        ("leaflet_geoman_css", VENDOR + "leaflet-geoman/leaflet-geoman.css"),
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


# Glyphs per kind; their colours are in resources/styles/colors.json (shared with the page's JS).
STATION_GLYPH = {"joint_service_station": "站", "swat_post": "特", "police_station": "所", "traffic_post": "交"}
TARGET_GLYPH = {"government": "政", "business": "商", "school": "校", "hospital": "医", "night_market": "夜",
                "complex_order": "治", "crowded_place": "众"}
ROAD_WEIGHT = {"primary": 6, "secondary": 4, "residential": 2}


def _collection(features: list[LayerFeature], shift: BasemapShift) -> dict:
    return {"type": "FeatureCollection", "features": [shift.feature(f.to_geojson()) for f in features]}


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
    shift = BasemapShift.for_basemap(basemap)
    center = shift.point(view.center_lon, view.center_lat)
    m = OfflineMap(location=(center[1], center[0]), zoom_start=view.zoom, tiles=None, control_scale=False,
                   prefer_canvas=True, max_zoom=basemap.max_zoom, zoom_control=True,
                   zoom_snap=0.25, zoom_delta=0.5)
    grids = layers.get(L.GRIDS, [])
    if grids:
        # Fit before any layer is added, so Leaflet projects the features only once.
        (minx, miny), (maxx, maxy) = (shift.point(min(g.bbox[0] for g in grids), min(g.bbox[1] for g in grids)),
                                      shift.point(max(g.bbox[2] for g in grids), max(g.bbox[3] for g in grids)))
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(10, 10))
    _add_basemap(m, basemap)
    registry: dict[str, list[str]] = {}

    def add(layer: str, sub_name: str, features: list[LayerFeature], show: bool = True, **kwargs) -> None:
        group = folium.GeoJson(_collection(features, shift), name=sub_name, show=show,
                               on_each_feature=_bind(layer), **kwargs)
        group.add_to(m)
        registry.setdefault(layer, []).append(group.get_name())

    names = labels.layer_names
    colors = map_colors()
    station_style = {k: (colors["station"][k], g) for k, g in STATION_GLYPH.items()}
    target_style = {k: (colors["target"][k], g) for k, g in TARGET_GLYPH.items()}
    # Streets: the vector basemap when there is no tile basemap; still switchable over tiles.
    streets = layers.get(L.STREETS, [])
    add(L.STREETS, names[L.STREETS], streets, show=basemap.kind == "none",
        style_function=lambda f: {"color": colors["street"], "weight": ROAD_WEIGHT.get(f["properties"].get("kind"), 2),
                                  "opacity": 0.9})
    cycle = colors["grid_cycle"]
    grid_color = {g.code: cycle[i % len(cycle)] for i, g in enumerate(layers.get(L.GRIDS, []))}
    add(L.GRIDS, names[L.GRIDS], layers.get(L.GRIDS, []),
        style_function=lambda f: {"color": grid_color.get(f["properties"]["code"], cycle[0]), "weight": 3,
                                  "fillOpacity": 0.06, "dashArray": "8 4"})
    add(L.LINES, names[L.LINES], layers.get(L.LINES, []),
        style_function=lambda f: {"color": colors["line"], "weight": 5, "opacity": 0.85, "dashArray": "2 8",
                                  "lineCap": "round"})
    add(L.POINTS, names[L.POINTS], layers.get(L.POINTS, []),
        marker=folium.CircleMarker(radius=8, weight=3, color=colors["point_stroke"], fill=True, fill_color=colors["point_fill"],
                                   fill_opacity=0.95))
    for kind, (color, glyph) in target_style.items():
        features = [f for f in layers.get(L.TARGETS, []) if f.kind == kind]
        if features:
            add(L.TARGETS, f"{names[L.TARGETS]} · {labels.kind_names.get(kind, kind)}", features,
                marker=_badge(color, glyph), style_function=lambda f, c=color: {"color": c, "weight": 2})
    for kind, (color, glyph) in station_style.items():
        features = [f for f in layers.get(L.STATIONS, []) if f.kind == kind]
        if features:
            add(L.STATIONS, f"{names[L.STATIONS]} · {labels.kind_names.get(kind, kind)}", features,
                marker=_badge(color, glyph))
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    legend = [{"kind": "grid", "label": names[L.GRIDS], "color": cycle[0]},
              {"kind": "line", "label": names[L.LINES], "color": colors["line"]},
              {"kind": "point", "label": names[L.POINTS], "color": colors["point_stroke"]}]
    legend += [{"kind": "badge", "label": labels.kind_names.get(k, k), "color": c, "glyph": g}
               for k, (c, g) in {**target_style, **station_style}.items()]
    status = colors["unit_status"]
    legend += [{"kind": "unit", "label": labels.kind_names.get(f"agency_{a}", a), "fill": colors["agency"][a],
                "stroke": status["available"]} for a in ("police", "city", "joint")]
    legend += [{"kind": "unit", "label": labels.kind_names.get(f"status_{st}", st), "fill": status["off_duty"],
                "stroke": status[st]} for st in ("dispatched", "en_route", "on_scene")]
    legend.append({"kind": "unit", "label": labels.kind_names.get("stale", "stale"), "fill": colors["unit_stale"]["fill"],
                   "stroke": colors["unit_stale"]["stroke"], "dashed": True})
    config = {
        "labels": {"fields": labels.field_names, "kinds": labels.kind_names, "layers": names,
                   "legendTitle": labels.legend_title, "basemapNote": labels.basemap_note},
        "legend": legend,
        "colors": colors,
        "basemapCrs": shift.crs,
        "labelMinZoom": view.label_min_zoom,
    }
    _Registry(registry, config).add_to(m)
    return m.get_root().render()
