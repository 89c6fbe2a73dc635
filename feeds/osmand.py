"""OsmAnd / Traccar Client HTTP protocol: wire format -> ``Fix``.

Pure parsing, no sockets and no database: the HTTP listener hands over the
method, the raw query string, the content type and the body, and turns a
``ReportError`` into ``400 Bad Request`` with the error's one-line message.

Two shapes exist in the field:

* the query-string / form-body form (OsmAnd, Traccar Client for Android up to
  v8, most trackers and scripts)::

      ?id=123456&lat=30.27&lon=120.15&timestamp=1714550400&speed=12.3
       &bearing=90&altitude=15&accuracy=5&hdop=0.9&batt=87

  ``speed`` is in KNOTS there.
* the JSON form (Traccar Client v9+, built on the transistorsoft
  background-geolocation library)::

      {"location": {"timestamp": "2024-05-01T08:00:00.000Z",
                    "coords": {"latitude": 30.27, "longitude": 120.15,
                               "accuracy": 5, "speed": 3.2, "heading": 90,
                               "altitude": 15},
                    "battery": {"level": 0.87, "is_charging": false},
                    "extras": {}},
       "device_id": "123456"}

  ``speed`` is in m/s there and ``battery.level`` a 0..1 fraction; the
  library reports -1 for an unknown speed, heading or battery level, which
  becomes ``None``.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

from core.fix_rules import check_not_too_old, check_range
from core.fixes import Fix, ReportError

__all__ = [
    "KNOTS_TO_MPS",
    "parse_osmand_params",
    "parse_osmand_json",
    "parse_osmand_request",
    "parse_timestamp",
]

PROTOCOL = "osmand"
KNOTS_TO_MPS = 0.514444
# Epoch values below this are seconds, at or above it milliseconds. Traccar's rule
# is 2**31-1 (a 32-bit int), which reads 4102444800 (2100, in seconds) as 1970-02-17;
# 10**11 seconds is the year 5138, and 10**11 milliseconds is 1973.
_SECONDS_LIMIT = 10**11
# A flood of parameters is not a position report.
_MAX_FIELDS = 200
_MAX_DEVICE_ID = 128

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Plain decimal numbers only: float() would also take "nan", "inf", "1_0".
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_PLAIN_CHARS = frozenset("0123456789.+-eE")
_SPACE_START = frozenset(" \t\r\n\f\v")
# "...T08:00:00 08:00": an unencoded '+' in a query string decodes to ' '.
_LOST_PLUS = re.compile(r"(T\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?) (\d{2}(?::?\d{2})?)$")

_QUERY_KEYS = frozenset(
    {"id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "bearing",
     "heading", "altitude", "accuracy", "hdop", "batt"}
)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def _show(value: object, limit: int = 40) -> str:
    """A short, single-line rendering of a sender's value for an error message."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)


def _number(name: str, raw: object) -> float:
    """A finite float from a string or JSON number; ReportError naming ``name``."""
    if type(raw) is str and _PLAIN_CHARS.issuperset(raw):
        # The common case, without the regex: digits, sign, point, exponent only
        # (so no "nan", "inf", "1_0" or spaces); float() refuses any malformed mix.
        try:
            value = float(raw)
        except ValueError:
            raise ReportError(f"invalid {name}: {_show(raw)}") from None
        if value - value != 0.0:  # inf ("1e999"); nan cannot come from these characters
            raise ReportError(f"invalid {name}: {_show(raw)} (not a finite number)")
        return value
    if isinstance(raw, bool):
        raise ReportError(f"invalid {name}: {_show(raw)}")
    if isinstance(raw, int):
        try:
            value = float(raw)
        except OverflowError:
            raise ReportError(f"invalid {name}: {_show(raw)}") from None
    elif isinstance(raw, float):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if not _NUMBER.fullmatch(text):
            raise ReportError(f"invalid {name}: {_show(raw)}")
        value = float(text)
    else:
        raise ReportError(f"invalid {name}: {_show(raw)}")
    if not math.isfinite(value):
        raise ReportError(f"invalid {name}: {_show(raw)} (not a finite number)")
    return value


def _blank(raw: object) -> bool:
    return not raw if type(raw) is str and raw[:1] not in _SPACE_START else (
        raw is None or (isinstance(raw, str) and not raw.strip()))


def _optional(name: str, raw: object) -> float | None:
    return None if _blank(raw) else _number(name, raw)


def _coordinate(name: str, raw: object, limit: float) -> float:
    if _blank(raw):
        raise ReportError(f"missing {name}")
    value = _number(name, raw)
    if abs(value) > limit:
        raise ReportError(f"{name} out of range: {value:g}")
    return value


def _device_id(raw: object) -> str:
    if isinstance(raw, bool) or raw is None:
        raise ReportError("missing device id")
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ReportError(f"invalid device id: {_show(raw)}")
    device_id = raw.strip()
    if not device_id:
        raise ReportError("missing device id")
    if len(device_id) > _MAX_DEVICE_ID or not device_id.isprintable():
        raise ReportError(f"invalid device id: {_show(device_id)}")
    return device_id


def _not_negative(value: float | None) -> float | None:
    """Android and the transistorsoft library report -1 for 'unknown'."""
    return None if value is None or value < 0 else value


def _heading(value: float | None) -> float | None:
    value = _not_negative(value)
    return None if value is None else value % 360.0


def _from_epoch(raw: object, value: float, exact: int | None) -> datetime:
    try:
        if value < 0:
            raise ValueError("negative")
        if value < _SECONDS_LIMIT:
            return _EPOCH + timedelta(seconds=exact if exact is not None else value)
        return _EPOCH + timedelta(milliseconds=exact if exact is not None else value)
    except (OverflowError, ValueError):
        raise ReportError(f"unparseable timestamp: {_show(raw)}") from None


def _parse_iso(text: str) -> datetime:
    """ISO 8601 (3.11 fromisoformat: 'Z', basic format, any fraction) -> aware UTC."""
    text = _LOST_PLUS.sub(r"\1+\2", text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_timestamp(raw: object) -> datetime | None:
    """The ``timestamp`` field in any form senders use, as an aware UTC datetime.

    * epoch seconds when the value is below 2**31-1, else epoch milliseconds
      (a string or a JSON number; fractions allowed);
    * ISO 8601 containing 'T', with 'Z', an offset, or no zone (= UTC);
    * ``yyyy-MM-dd HH:mm:ss`` (UTC);
    * absent or blank -> ``None`` (the receiver stamps the server time).

    Anything else raises ``ReportError("unparseable timestamp: ...")``.
    """
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        raise ReportError(f"unparseable timestamp: {_show(raw)}")
    if isinstance(raw, int):
        return _from_epoch(raw, float(raw) if abs(raw) < 2**63 else math.inf, raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ReportError(f"unparseable timestamp: {_show(raw)}")
        return _from_epoch(raw, raw, None)
    if not isinstance(raw, str):
        raise ReportError(f"unparseable timestamp: {_show(raw)}")
    text = raw.strip()
    try:
        if _INTEGER.fullmatch(text):
            exact = int(text)
            return _from_epoch(raw, float(exact) if len(text) < 20 else math.inf, exact)
        if _NUMBER.fullmatch(text):
            value = float(text)
            if not math.isfinite(value):
                raise ValueError("not finite")
            return _from_epoch(raw, value, None)
        if "T" in text:
            return _parse_iso(text)
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
            except ValueError:
                continue
    except ReportError:
        raise
    except (ValueError, OverflowError, TypeError):
        pass
    raise ReportError(f"unparseable timestamp: {_show(raw)}")


# --------------------------------------------------------------------------
# query string / form body
# --------------------------------------------------------------------------

def parse_osmand_params(params: Mapping[str, str]) -> Fix:
    """One fix from decoded query-string or form parameters (``speed`` in knots).

    Device from ``id`` (or ``deviceid``); position from ``lat`` + ``lon`` or
    ``location=lat,lon``; ``timestamp`` as in :func:`parse_timestamp`;
    ``bearing``/``heading``, ``altitude``, ``accuracy``, ``batt``; ``hdop`` is
    kept as the float attribute ``'hdop'``. Every other key is kept as a
    string attribute. Raises ``ReportError`` with a one-line reason.
    """
    get = params.get
    raw_id = get("id")
    if _blank(raw_id):
        raw_id = get("deviceid")
    device_id = _device_id(raw_id)

    if not _blank(get("lat")) or not _blank(get("lon")) or _blank(get("location")):
        lat = _coordinate("lat", get("lat"), 90.0)
        lon = _coordinate("lon", get("lon"), 180.0)
    else:
        location = str(get("location"))
        parts = location.split(",")
        if len(parts) != 2:
            raise ReportError(f"invalid location: {_show(location)} (expected lat,lon)")
        lat = _coordinate("lat", parts[0], 90.0)
        lon = _coordinate("lon", parts[1], 180.0)

    fix_time = parse_timestamp(get("timestamp"))

    speed_kn = _not_negative(_optional("speed", get("speed")))
    bearing = get("bearing")
    heading = (_optional("bearing", bearing) if not _blank(bearing)
               else _optional("heading", get("heading")))
    altitude = _optional("altitude", get("altitude"))
    accuracy = _not_negative(_optional("accuracy", get("accuracy")))
    hdop = _optional("hdop", get("hdop"))
    battery = _not_negative(_optional("batt", get("batt")))

    attributes: dict[str, Any] = {
        str(key): "" if value is None else str(value)
        for key, value in params.items()
        if key not in _QUERY_KEYS
    }
    if hdop is not None:
        attributes["hdop"] = hdop

    return Fix(
        device_id=device_id,
        lat=lat,
        lon=lon,
        fix_time=check_not_too_old(fix_time),
        accuracy_m=check_range("accuracy", accuracy),
        speed_mps=None if speed_kn is None else check_range("speed", speed_kn * KNOTS_TO_MPS),
        heading_deg=_heading(heading),
        altitude_m=check_range("altitude", altitude),
        battery_pct=check_range("battery", battery, "batt"),
        protocol=PROTOCOL,
        attributes=attributes,
    )


# --------------------------------------------------------------------------
# JSON body
# --------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ReportError(f"invalid JSON: {name} is not a number")


_SCALAR = (str, int, float, bool, type(None))


def parse_osmand_json(body: bytes | str) -> Fix:
    """One fix from the JSON form (Traccar Client v9+; ``speed`` in m/s).

    ``battery.level`` is a 0..1 fraction (-> percent) or already a percent
    when above 1. ``extras`` and scalar location fields (``is_moving``,
    ``odometer``, ``event``, ...) are kept as attributes. A batch (a list of
    locations) is rejected. Raises ``ReportError`` with a one-line reason.
    """
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ReportError("invalid JSON: body is not UTF-8") from None
    elif isinstance(body, str):
        text = body
    else:
        raise ReportError("invalid JSON: no body")
    try:
        root = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ReportError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ReportError("invalid JSON: nested too deeply") from None
    except (ValueError, TypeError) as exc:
        if isinstance(exc, ReportError):
            raise
        raise ReportError("invalid JSON: " + " ".join(str(exc).split())[:80]) from None
    if not isinstance(root, dict):
        raise ReportError("invalid JSON: expected an object")

    raw_id = root.get("device_id")
    for alias in ("deviceid", "id"):
        if _blank(raw_id):
            raw_id = root.get(alias)
    device_id = _device_id(raw_id)

    location = root.get("location")
    if isinstance(location, list):
        raise ReportError("batched locations are not supported; send one location per request")
    if not isinstance(location, dict):
        raise ReportError("missing location")
    coords = location.get("coords")
    if not isinstance(coords, dict):
        raise ReportError("missing coords")

    lat = _coordinate("latitude", coords.get("latitude"), 90.0)
    lon = _coordinate("longitude", coords.get("longitude"), 180.0)
    fix_time = parse_timestamp(location.get("timestamp"))
    accuracy = _not_negative(_optional("accuracy", coords.get("accuracy")))
    speed = _not_negative(_optional("speed", coords.get("speed")))
    heading = _heading(_optional("heading", coords.get("heading")))
    altitude = _optional("altitude", coords.get("altitude"))

    attributes: dict[str, Any] = {}
    battery_pct = None
    battery = location.get("battery")
    if isinstance(battery, dict):
        level = _not_negative(_optional("battery level", battery.get("level")))
        if level is not None:
            battery_pct = level * 100.0 if level <= 1.0 else level
        charging = battery.get("is_charging")
        if isinstance(charging, bool):
            attributes["charge"] = charging
    activity = location.get("activity")
    if isinstance(activity, dict) and isinstance(activity.get("type"), str):
        attributes["activity"] = activity["type"]
    for key, value in location.items():
        if key not in ("timestamp", "coords", "battery", "activity", "extras") and isinstance(value, _SCALAR):
            attributes[key] = value
    extras = location.get("extras")
    if isinstance(extras, dict):
        attributes.update(extras)

    return Fix(
        device_id=device_id,
        lat=lat,
        lon=lon,
        fix_time=check_not_too_old(fix_time),
        accuracy_m=check_range("accuracy", accuracy),
        speed_mps=check_range("speed", speed),
        heading_deg=heading,
        altitude_m=check_range("altitude", altitude),
        battery_pct=check_range("battery", battery_pct, "battery level"),
        protocol=PROTOCOL,
        attributes=attributes,
    )


# --------------------------------------------------------------------------
# request dispatcher
# --------------------------------------------------------------------------

def _parse_form(text: str) -> dict[str, str]:
    """Decoded parameters; blank values kept; for repeated keys the last wins."""
    if "%" not in text and "+" not in text:
        # Nothing to decode (what devices send): parse_qs's result, at a fifth of its cost.
        pairs = [pair for pair in text.split("&") if pair]
        if len(pairs) > _MAX_FIELDS:
            raise ReportError(f"too many parameters (max {_MAX_FIELDS})")
        return {key: value for key, _, value in (pair.partition("=") for pair in pairs)}
    try:
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except ValueError:
        raise ReportError(f"too many parameters (max {_MAX_FIELDS})") from None
    return {key: values[-1] for key, values in parsed.items() if values}


def parse_osmand_request(method: str, query: str, content_type: str | None, body: bytes) -> Fix:
    """One fix from an HTTP request, as real clients send it.

    Parameters in the query string win (any method: OsmAnd and Traccar Client
    for Android POST with an empty body). With no query parameters the body is
    read: JSON when the content type is ``application/json`` (or ``+json``) or
    the body starts with '{'; otherwise an
    ``application/x-www-form-urlencoded`` form (also accepted without a
    content type or as ``text/plain``).
    """
    del method  # every method carries reports the same way
    params = _parse_form((query or "").lstrip("?")) if isinstance(query, str) else {}
    if params:
        return parse_osmand_params(params)

    if isinstance(body, str):
        data = body.encode("utf-8", "surrogatepass")
    elif isinstance(body, (bytes, bytearray, memoryview)):
        data = bytes(body)
    else:
        data = b""
    media = ""
    if isinstance(content_type, str):
        media = content_type.split(";", 1)[0].strip().lower()
    stripped = data.lstrip(b" \t\r\n\xef\xbb\xbf")
    if media == "application/json" or media.endswith("+json") or stripped.startswith(b"{"):
        return parse_osmand_json(data)
    if media not in ("", "application/x-www-form-urlencoded", "text/plain"):
        raise ReportError(f"unsupported content type: {_show(media)}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReportError("form body is not UTF-8") from None
    return parse_osmand_params(_parse_form(text.strip()))
