"""What a map page is built from, and a fingerprint of it.

Kept apart from the folium builder so start-up can decide whether a cached page is
still right without importing folium."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from importlib import resources

from core.layers import LayerFeature
from core.settings import BasemapSettings, MapSettings


@dataclass(frozen=True)
class PageLabels:
    """Translated strings the page shows; filled by the window from Qt's translations."""

    layer_names: dict[str, str]
    kind_names: dict[str, str]
    field_names: dict[str, str]
    legend_title: str = "Legend"
    basemap_note: str = ""


def fingerprint(layers: dict[str, list[LayerFeature]], basemap: BasemapSettings, view: MapSettings,
                labels: PageLabels) -> str:
    """Changes whenever the page built from these inputs would change, including
    when the builder's own code changes."""
    h = hashlib.sha256()
    h.update(resources.files("desktop").joinpath("map", "page.py").read_bytes())
    # The palette is baked into the page's config.
    h.update(resources.files("resources").joinpath("styles", "colors.json").read_bytes())
    payload = {
        "layers": {name: [f.to_geojson() for f in features] for name, features in sorted(layers.items())},
        "basemap": asdict(basemap), "view": asdict(view), "labels": asdict(labels),
    }
    h.update(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode())
    return h.hexdigest()
