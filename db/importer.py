"""`gridcommand db import`: read a GeoJSON or Shapefile layer and write it in one transaction.

Reading and validation finish before the database is touched; any invalid feature
rejects the whole file with its index and the reason."""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapefile  # pyshp

from core.feature_validation import FeatureError, feature_code, validate_features
from db.operations import OperationRunner
from db.places_repo import grid_ids_by_code, grid_index, upsert_feature


class ImportFileError(ValueError):
    """The file itself cannot be read (not the features in it)."""


@dataclass(frozen=True)
class ImportResult:
    layer: str
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def read_features(path: Path) -> list[dict[str, Any]]:
    """Features of a GeoJSON file (FeatureCollection, Feature list) or an ESRI Shapefile."""
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{path}: not UTF-8 text ({exc})") from None
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
            return data["features"]
        if isinstance(data, dict) and data.get("type") == "Feature":
            return [data]
        raise ImportFileError(f"{path}: not a GeoJSON FeatureCollection or Feature")
    if suffix == ".shp":
        try:
            with shapefile.Reader(str(path), encoding="utf-8") as reader:
                return [dict(sr.__geo_interface__) for sr in reader.iterShapeRecords()]
        except (shapefile.ShapefileException, OSError, UnicodeDecodeError, struct.error) as exc:
            raise ImportFileError(f"{path}: cannot read the shapefile ({exc})") from None
    raise ImportFileError(f"{path}: unsupported file type {suffix!r}; expected .geojson, .json or .shp")


def prepare_import(path: Path, layer: str, crs: str = "EPSG:4326") -> tuple[list, list[str]]:
    """Read and validate the whole file, touching no database: a rejected file must not
    even create or migrate one. Returns the valid features and their codes."""
    features = read_features(path)
    valid = validate_features(layer, features, crs)  # raises FeatureError before any write
    codes = [feature_code(layer, f) for f in valid]
    seen: dict[str, int] = {}
    for f, code in zip(valid, codes):
        if code in seen:
            raise FeatureError(f.index, f"code {code!r} repeats feature {seen[code]}")
        seen[code] = f.index
    return valid, codes


def import_file(runner: OperationRunner, path: Path, layer: str, crs: str = "EPSG:4326",
                prepared: tuple[list, list[str]] | None = None) -> ImportResult:
    valid, codes = prepared or prepare_import(path, layer, crs)

    def write(ctx) -> ImportResult:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        by_code = grid_ids_by_code(ctx.session)
        index = grid_index(ctx.session)[0] if layer != "grids" else None
        for f, code in zip(valid, codes):
            outcome, before, after = upsert_feature(
                ctx.session, layer, code, str(f.properties["name"]).strip(), f.geometry, f.bbox, f.properties,
                ctx.now, source_crs=crs, grid_codes=by_code, index=index,
            )
            counts[outcome] += 1
            if outcome != "unchanged":
                ctx.audit(layer, code, before, after)
        if counts["created"] or counts["updated"]:
            ctx.changed(layer)
        return ImportResult(layer, **counts)

    return runner.run(f"import {layer} from {path.name}", write, permission="edit_layers")
