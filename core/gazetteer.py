"""Finding a place by name for incident intake: named places, streets, must-visit
points and key targets, in Chinese or pinyin initials."""
from __future__ import annotations

from typing import Iterable

from shapely.geometry import shape

from core import layers as L
from core.gazetteer_types import Place
from core.layers import LayerFeature
from core.text_search import matches

# The layers a caller's description usually names, most specific first.
GAZETTEER_LAYERS = (L.POINTS, L.TARGETS, L.STATIONS, L.STREETS, L.GRIDS)


def _anchor(feature: LayerFeature) -> tuple[float, float]:
    """A point on the feature (a street's middle, a polygon's inside), not its bbox centre."""
    geom = shape(feature.geometry)
    if geom.geom_type in ("LineString", "MultiLineString"):
        p = geom.interpolate(0.5, normalized=True)
    else:
        p = geom.representative_point()
    return p.x, p.y


def build_gazetteer(layers: dict[str, list[LayerFeature]]) -> list[Place]:
    places, seen = [], set()
    for layer in GAZETTEER_LAYERS:
        for f in layers.get(layer, []):
            key = (layer, f.name) if layer == L.STREETS else (layer, f.code)
            if key in seen:  # a street split into segments is listed once
                continue
            seen.add(key)
            lon, lat = _anchor(f)
            places.append(Place(f.name, layer, f.code, lon, lat))
    return places


def search(places: Iterable[Place], query: str, limit: int = 20) -> list[Place]:
    """Places whose name matches: exact names first, then prefixes, then the rest."""
    q = query.strip()
    if not q:
        return []
    hits = [p for p in places if matches(q, p.name)]
    hits.sort(key=lambda p: (p.name != q, not p.name.startswith(q), GAZETTEER_LAYERS.index(p.layer), len(p.name)))
    return hits[:limit]
