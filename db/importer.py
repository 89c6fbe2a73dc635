"""`gridcommand db import`: read a GeoJSON or Shapefile layer and write it in one transaction.

Reading and validation finish before the database is touched; any invalid feature
rejects the whole file with its index and the reason."""
from __future__ import annotations

import codecs
import json
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapefile  # pyshp
from pyproj import CRS
from pyproj.exceptions import CRSError

from core.crs import BD09, CGCS2000, GCJ02, WGS84, parse_crs
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
    crs: str = WGS84  # what the coordinates were read in

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
            # RFC 7946: GeoJSON is UTF-8. A GBK file must be converted, not guessed at.
            raise ImportFileError(f"{path}: not UTF-8 text (GeoJSON must be UTF-8; byte {exc.start}: "
                                  f"{exc.reason})") from None
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
            return data["features"]
        if isinstance(data, dict) and data.get("type") == "Feature":
            return [data]
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise ImportFileError(f"{path}: not a GeoJSON FeatureCollection or Feature (the root is {found!r})")
    if suffix == ".shp":
        return _read_shapefile(path)
    raise ImportFileError(f"{path}: unsupported file type {suffix!r}; expected .geojson, .json or .shp")


def _sibling(path: Path, ext: str) -> Path | None:
    """``path`` with extension ``ext`` (either case), if it exists."""
    for candidate in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if candidate.exists():
            return candidate
    return None


# Code pages as .cpg files spell them (ArcGIS writes numbers or names).
_CPG_ALIASES = {"65001": "utf-8", "utf8": "utf-8", "936": "gbk", "cp936": "gbk", "ansi 936": "gbk",
                "gb2312": "gbk", "54936": "gb18030", "950": "big5", "88591": "latin-1", "1252": "cp1252"}


def shapefile_encoding(shp: Path) -> tuple[str, str]:
    """(encoding of the .dbf attributes, where it came from).

    The ``.cpg`` file names it; without one, Chinese data is GBK far more often than
    not (ArcGIS and older tools on Chinese Windows), so GBK is the default -- unless
    the attributes decode as UTF-8 (pyshp and QGIS write UTF-8), which GBK text
    practically never does (see _read_shapefile)."""
    cpg = _sibling(shp, ".cpg")
    if cpg is None:
        return "gbk", "no .cpg, so GBK"
    name = cpg.read_bytes().decode("ascii", "replace").strip().lower()
    encoding = _CPG_ALIASES.get(name, name)
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(f"{cpg}: unknown code page {name!r}") from None
    return encoding, cpg.name


def _prj_crs(shp: Path) -> tuple[str | None, Path | None]:
    """The EPSG code the ``.prj`` beside ``shp`` describes (None if it cannot be identified)."""
    prj = _sibling(shp, ".prj")
    if prj is None:
        return None, None
    try:
        epsg = CRS.from_wkt(prj.read_text(encoding="utf-8", errors="replace")).to_epsg(min_confidence=70)
    except CRSError:
        epsg = None
    return (f"EPSG:{epsg}" if epsg else None), prj


def _read_shapefile(path: Path) -> list[dict[str, Any]]:
    missing = [ext for ext in (".shx", ".dbf") if _sibling(path, ext) is None]
    if missing:
        raise ImportFileError(f"{path}: missing {' and '.join(path.with_suffix(e).name for e in missing)} "
                              f"(a shapefile is .shp, .shx and .dbf together)")
    encoding, source = shapefile_encoding(path)
    # Without a .cpg, try UTF-8 strictly first: GBK bytes are almost never valid UTF-8.
    for attempt in (["utf-8", encoding] if source.startswith("no .cpg") else [encoding]):
        try:
            with warnings.catch_warnings():
                # pyshp compares our (resolved) name with the .cpg's spelling ("936" vs "gbk").
                warnings.filterwarnings("ignore", message="Specified encoding")
                with shapefile.Reader(str(path), encoding=attempt, encodingErrors="strict") as reader:
                    return [dict(sr.__geo_interface__) for sr in reader.iterShapeRecords()]
        except (shapefile.ShapefileException, UnicodeDecodeError) as exc:
            # pyshp 2 lets UnicodeDecodeError out; pyshp 3 wraps it ("Could not decode ...").
            if not (isinstance(exc, UnicodeDecodeError) or "could not decode" in str(exc).lower()):
                raise ImportFileError(f"{path}: cannot read the shapefile ({exc})") from None
            error = f"attributes are not {attempt} ({source})"
        except (OSError, struct.error) as exc:
            raise ImportFileError(f"{path}: cannot read the shapefile ({exc})") from None
    raise ImportFileError(f"{path}: {error}; add or fix the .cpg naming the code page")


def _agrees(given: str, found: str) -> bool:
    """Does ``--crs`` agree with the .prj's CRS? GCJ-02/BD-09 data carry a WGS84 (or
    CGCS2000) .prj, and WGS84 and CGCS2000 are equal for this map (core.crs)."""
    geographic = {WGS84, CGCS2000}
    given, found = parse_crs(given), parse_crs(found)
    return given == found or (found in geographic and given in geographic | {GCJ02, BD09})


def source_crs(path: Path, crs: str | None) -> str:
    """The CRS to read ``path`` in: ``--crs`` if given, else a shapefile's .prj, else WGS84.

    A .prj that names a different CRS than ``--crs`` rejects the file: one of them is wrong."""
    if path.suffix.lower() != ".shp":
        return crs or WGS84
    found, prj = _prj_crs(path)
    if crs is None:
        if prj is not None and found is None:
            raise ImportFileError(f"{prj}: cannot identify its coordinate system; give --crs")
        return found or WGS84
    if found is not None and not _agrees(crs, found):
        raise ImportFileError(f"{prj.name} says {found} but --crs says {crs}; fix one of them")
    return crs


def prepare_import(path: Path, layer: str, crs: str | None = None) -> tuple[list, list[str], str]:
    """Read and validate the whole file, touching no database: a rejected file must not
    even create or migrate one. ``crs``: the file's coordinate system; None reads a
    shapefile's .prj (else WGS84). Returns the valid features, their codes and the CRS read."""
    crs = source_crs(path, crs)
    features = read_features(path)
    valid = validate_features(layer, features, crs)  # raises FeatureError before any write
    codes = [feature_code(layer, f) for f in valid]
    seen: dict[str, int] = {}
    for f, code in zip(valid, codes):
        if code in seen:
            raise FeatureError(f.index, f"code {code!r} repeats feature {seen[code]}")
        seen[code] = f.index
    return valid, codes, crs


def import_file(runner: OperationRunner, path: Path, layer: str, crs: str | None = None,
                prepared: tuple[list, list[str], str] | None = None) -> ImportResult:
    valid, codes, crs = prepared or prepare_import(path, layer, crs)

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
        return ImportResult(layer, **counts, crs=crs)

    return runner.run(f"import {layer} from {path.name}", write, permission="edit_layers")
