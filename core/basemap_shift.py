"""Where WGS84 data is drawn on the basemap, and where a click on it lies in WGS84.

The one place the basemap's coordinate system is applied: a GCJ-02 or BD-09 basemap
(AMap, Tencent, Baidu) is offset ~600 m from WGS84 in China, so every overlay is
shifted onto it and every click shifted back. With no basemap, or a WGS84/CGCS2000
one, nothing moves (and pyproj is never imported)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from core.settings import BasemapSettings


@dataclass(frozen=True)
class BasemapShift:
    crs: str = "wgs84"

    @classmethod
    def for_basemap(cls, basemap: BasemapSettings) -> "BasemapShift":
        # No tile basemap: the page shows the city's own WGS84 streets.
        return cls(basemap.crs if basemap.kind != "none" else "wgs84")

    @property
    def is_identity(self) -> bool:
        return self.crs in ("wgs84", "cgcs2000")

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        """A WGS84 point as drawn on the basemap."""
        if self.is_identity:
            return lon, lat
        from core.crs import shift_for_basemap

        return shift_for_basemap(lon, lat, self.crs)

    def unshift(self, lon: float, lat: float) -> tuple[float, float]:
        """The WGS84 position of a point on the basemap (a click)."""
        if self.is_identity:
            return lon, lat
        from core.crs import unshift_from_basemap

        return unshift_from_basemap(lon, lat, self.crs)

    def geometry(self, geometry: dict) -> dict:
        """A WGS84 GeoJSON geometry as drawn on the basemap."""
        if self.is_identity:
            return geometry
        from core.crs import shift_geometry

        return shift_geometry(geometry, self.crs)

    def feature(self, feature: dict) -> dict:
        """A GeoJSON Feature with its geometry shifted (properties untouched)."""
        if self.is_identity or not feature.get("geometry"):
            return feature
        return {**feature, "geometry": self.geometry(feature["geometry"])}

    def latlngs(self, coords: Iterable[Sequence[float]]) -> list[list[float]]:
        """[(lon, lat, *rest)] in WGS84 → [[lat, lon, *rest]] on the basemap (Leaflet's order)."""
        out = []
        for c in coords:
            lon, lat = self.point(c[0], c[1])
            out.append([lat, lon, *c[2:]])
        return out
