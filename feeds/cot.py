"""Cursor-on-Target (CoT) XML position reports (ATAK / WinTAK / iTAK): wire format -> ``Fix``.

Pure parsing, no sockets and no database. A report looks like::

    <event version="2.0" uid="ANDROID-359..." type="a-f-G-U-C" how="m-g"
           time="2024-05-01T08:00:00.000Z" start="2024-05-01T08:00:00.000Z"
           stale="2024-05-01T08:01:15.000Z">
      <point lat="30.2741" lon="120.1551" hae="12.3" ce="4.9" le="9999999.0"/>
      <detail>
        <contact callsign="巡逻一组"/>
        <__group name="Cyan" role="Team Member"/>
        <status battery="88"/>
        <track course="87.5" speed="1.4"/>
      </detail>
    </event>

``ce``/``le`` are the horizontal/vertical error radii and ``hae`` the height
above the ellipsoid, all in metres; 9999999.0 means "unknown". ``speed`` is
m/s, ``course`` degrees true.

Security: the stdlib XML parser expands entities, so any DOCTYPE or ENTITY
declaration is refused before parsing (no "billion laughs", no external
entities), the message is decoded as UTF-8 up front (a UTF-16 payload cannot
smuggle a declaration past the scan), and its size is bounded. Every failure is
a ``ReportError``.

Over TCP, reports arrive back to back on one stream with no framing:
:func:`split_cot_stream` cuts the stream into messages.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from core.fix_rules import check_not_too_old, check_range
from core.fixes import Fix, ReportError

__all__ = ["MAX_COT_BYTES", "PING_TYPE", "TAK_CHATTER", "UNKNOWN", "CotSplit", "chatter_type", "parse_cot",
           "pong_event", "split_cot_stream"]

PROTOCOL = "cot"
MAX_COT_BYTES = 65536
# CoT's "unknown" value for ce, le and hae.
UNKNOWN = 9999999.0
_MAX_UID = 128

# TAK protocol chatter, not positions: t-x-c-t is a ping (a TAK server answers t-x-c-t-r, a
# pong), t-x-d-d the keep-alive / "hello" PyTAK and others send (often without a point).
PING_TYPE = "t-x-c-t"
TAK_CHATTER = frozenset({PING_TYPE, "t-x-c-t-r", "t-x-d-d"})
_EVENT_TYPE = re.compile(rb"<event\b[^>]*?\stype\s*=\s*[\"']([^\"']{1,64})[\"']")

_FORBIDDEN = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NAN = re.compile(r"[+-]?nan", re.IGNORECASE)


def _show(value: str, limit: int = 40) -> str:
    if len(value) > limit:
        value = value[:limit] + "..."
    return repr(value)


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


# --------------------------------------------------------------------------
# field helpers
# --------------------------------------------------------------------------

def _number(name: str, raw: str) -> float:
    text = raw.strip()
    if not _NUMBER.fullmatch(text):
        raise ReportError(f"invalid {name}: {_show(raw)}")
    value = float(text)
    if not math.isfinite(value):
        raise ReportError(f"invalid {name}: {_show(raw)} (not a finite number)")
    return value


def _coordinate(name: str, raw: str | None, limit: float) -> float:
    if raw is None or not raw.strip():
        raise ReportError(f"missing {name}")
    value = _number(name, raw)
    if abs(value) > limit:
        raise ReportError(f"{name} out of range: {value:g}")
    return value


def _optional(name: str, raw: str | None, *, sentinel: bool = False) -> float | None:
    """An optional numeric attribute; blank or NaN -> None (TAK clients emit
    "NaN" for unknown course/speed); with ``sentinel`` 9999999 and above -> None."""
    if raw is None or not raw.strip() or _NAN.fullmatch(raw.strip()):
        return None
    value = _number(name, raw)
    if sentinel and value >= UNKNOWN:
        return None
    return value


def _time(name: str, raw: str | None) -> datetime | None:
    """ISO 8601 (normally 'Z') -> aware UTC; blank -> None; a naive time is UTC."""
    if raw is None or not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
        if moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ReportError(f"unparseable {name}: {_show(raw)}") from None


# --------------------------------------------------------------------------
# one message
# --------------------------------------------------------------------------

def _decode(data: bytes | bytearray | memoryview | str, max_bytes: int) -> str:
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise ReportError("message is not valid UTF-8") from None
    elif isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise ReportError("no message")
    if len(data) > max_bytes:
        raise ReportError(f"message too large: {len(data)} bytes (max {max_bytes})")
    if not data.strip():
        raise ReportError("empty message")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReportError("message is not valid UTF-8") from None


def parse_cot(data: bytes, max_bytes: int = MAX_COT_BYTES) -> Fix:
    """One fix from one CoT ``<event>`` message.

    ``uid`` -> device_id; ``point@lat/lon`` (required, range-checked);
    ``point@ce`` -> accuracy_m and ``point@hae`` -> altitude_m (9999999 ->
    None); ``track@course`` -> heading_deg, ``track@speed`` -> speed_mps;
    ``time`` (else ``start``) -> fix_time; ``stale`` -> stale_at;
    ``status@battery`` -> battery_pct. Attributes: ``type``, ``how``,
    ``callsign``, and when present ``le``, ``group``, ``role``.

    Never raises anything but ``ReportError``, whatever the bytes.
    """
    text = _decode(data, max_bytes)
    # Before any parsing: the stdlib parser would expand declared entities.
    if _FORBIDDEN.search(text):
        raise ReportError("DOCTYPE/ENTITY declarations are not allowed")
    try:
        # A str is parsed as UTF-8 whatever its XML declaration says.
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ReportError(f"malformed XML: {_one_line(str(exc))}") from None
    except (ValueError, TypeError, LookupError, RecursionError, MemoryError) as exc:
        raise ReportError(f"malformed XML: {_one_line(str(exc)) or type(exc).__name__}") from None

    if root.tag != "event":
        raise ReportError(f"not a CoT event: root element is {_show(str(root.tag))}")
    uid = (root.get("uid") or "").strip()
    if not uid:
        raise ReportError("missing uid")
    if len(uid) > _MAX_UID or not uid.isprintable():
        raise ReportError(f"invalid uid: {_show(uid)}")

    point = root.find("point")
    if point is None:
        raise ReportError("missing point")
    lat = _coordinate("lat", point.get("lat"), 90.0)
    lon = _coordinate("lon", point.get("lon"), 180.0)
    accuracy = _optional("ce", point.get("ce"), sentinel=True)
    altitude = _optional("hae", point.get("hae"), sentinel=True)
    vertical_error = _optional("le", point.get("le"), sentinel=True)

    fix_time = _time("time", root.get("time"))
    if fix_time is None:
        fix_time = _time("start", root.get("start"))
    stale_at = _time("stale", root.get("stale"))

    attributes: dict[str, Any] = {}
    for key in ("type", "how"):
        value = root.get(key)
        if value:
            attributes[key] = value
    if vertical_error is not None:
        attributes["le"] = vertical_error

    heading = speed = battery = None
    detail = root.find("detail")
    if detail is not None:
        contact = detail.find("contact")
        if contact is not None and contact.get("callsign"):
            attributes["callsign"] = contact.get("callsign")
        group = detail.find("__group")
        if group is not None:
            if group.get("name"):
                attributes["group"] = group.get("name")
            if group.get("role"):
                attributes["role"] = group.get("role")
        track = detail.find("track")
        if track is not None:
            heading = _optional("course", track.get("course"))
            speed = _optional("speed", track.get("speed"))
            if heading is not None:
                heading = None if heading < 0 else heading % 360.0
            if speed is not None and speed < 0:
                speed = None
        status = detail.find("status")
        if status is not None:
            battery = _optional("battery", status.get("battery"))

    return Fix(
        device_id=uid,
        lat=lat,
        lon=lon,
        fix_time=check_not_too_old(fix_time, "time"),
        accuracy_m=check_range("accuracy", None if accuracy is None or accuracy < 0 else accuracy, "ce"),
        speed_mps=check_range("speed", speed),
        heading_deg=heading,
        altitude_m=check_range("altitude", altitude, "hae"),
        battery_pct=check_range("battery", battery),
        stale_at=stale_at,
        protocol=PROTOCOL,
        attributes=attributes,
    )


def chatter_type(data: bytes) -> str | None:
    """The event's type if the message is TAK protocol chatter (a cheap look at its start tag)."""
    found = _EVENT_TYPE.search(bytes(data[:2048]))
    kind = found.group(1).decode("ascii", "replace") if found else None
    return kind if kind in TAK_CHATTER else None


def pong_event(now: datetime) -> bytes:
    """The answer a TAK server gives a ``t-x-c-t`` ping."""
    def iso(moment: datetime) -> str:
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    stale = now + timedelta(seconds=20)
    return (f'<event version="2.0" uid="takPong" type="t-x-c-t-r" how="h-g-i-g-o" time="{iso(now)}" '
            f'start="{iso(now)}" stale="{iso(stale)}"><point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/>'
            f'</event>').encode("ascii")


# --------------------------------------------------------------------------
# TCP stream framing
# --------------------------------------------------------------------------

class CotSplit(NamedTuple):
    """What :func:`split_cot_stream` found: unpack as ``messages, rest, dropped``."""

    messages: list[bytes]
    # Keep buffering this (always at most max_bytes long).
    remainder: bytes
    # Bytes thrown away because an event was cut off (another tag or
    # ``<event`` began before its end) or grew beyond max_bytes. Non-zero ->
    # log it.
    dropped: int


_EVENT_OPEN = re.compile(rb"<event(?=[\s/>])")
_OPEN_OR_CLOSE = re.compile(rb"<event(?=[\s/>])|</event\s*>")
_PREFIX = b"<event"


def _start_tag_end(buffer: bytes, start: int) -> tuple[bool, int | None]:
    """Scan the start tag at ``start``: ``(True, index of its '>')``;
    ``(False, index of a '<')`` when it is cut off by another tag ('<' is never
    legal inside a tag, even in quotes); ``(True, None)`` if the buffer ends first."""
    quote = 0
    for index in range(start + len(_PREFIX), len(buffer)):
        byte = buffer[index]
        if byte == 0x3C:
            return False, index
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:
            return True, index
    return True, None


def _partial_prefix(buffer: bytes, pos: int) -> bytes:
    """The tail of ``buffer`` that may be the beginning of ``<event``."""
    for index in range(max(pos, len(buffer) - len(_PREFIX)), len(buffer)):
        if _PREFIX.startswith(buffer[index:]):
            return buffer[index:]
    return b""


def split_cot_stream(buffer: bytes, max_bytes: int = MAX_COT_BYTES) -> CotSplit:
    """Cut a CoT TCP byte stream into complete ``<event>...</event>`` messages.

    Returns ``(messages, remainder, dropped)``: complete messages (including
    self-closing ``<event .../>``) in order; the unfinished tail to prepend to
    the next read; and how many bytes of broken or oversize events were
    discarded. Anything before an ``<event`` (whitespace, ``<?xml ...?>``
    prologs, garbage) is skipped. An event still open after ``max_bytes`` is
    discarded, so the remainder never exceeds ``max_bytes``. Nested events
    are not a thing in CoT: an ``<event`` before the previous one's
    ``</event>`` means that one was cut off, and it is dropped.
    """
    if isinstance(buffer, (bytearray, memoryview)):
        buffer = bytes(buffer)
    elif not isinstance(buffer, bytes):
        raise ReportError("stream data must be bytes")
    messages: list[bytes] = []
    dropped = 0
    pos = 0
    while True:
        opening = _EVENT_OPEN.search(buffer, pos)
        if opening is None:
            return CotSplit(messages, _partial_prefix(buffer, pos), dropped)
        start = opening.start()
        complete, tag_end = _start_tag_end(buffer, start)
        if not complete:  # the start tag was cut off by another tag
            dropped += tag_end - start
            pos = tag_end
            continue
        if tag_end is None:
            end = None
        elif buffer[tag_end - 1] == 0x2F:  # '/>'
            end = tag_end + 1
        else:
            found = _OPEN_OR_CLOSE.search(buffer, tag_end + 1)
            if found is None:
                end = None
            elif found.group().startswith(b"</"):
                end = found.end()
            else:  # another event began: this one was cut off
                dropped += found.start() - start
                pos = found.start()
                continue
        if end is None:  # still open
            if len(buffer) - start <= max_bytes:
                return CotSplit(messages, buffer[start:], dropped)
            # Too long to be a report. No later "<event" exists past the start
            # tag (it would have been found), except perhaps a partial one.
            tail = _partial_prefix(buffer, start + 1)
            dropped += len(buffer) - start - len(tail)
            return CotSplit(messages, tail, dropped)
        if end - start > max_bytes:
            dropped += end - start
        else:
            messages.append(buffer[start:end])
        pos = end
