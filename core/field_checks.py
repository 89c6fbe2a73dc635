"""Checks of one named input field, shared by every door data comes in through (the
incident API, the intake dock). Each raises ``FieldError`` naming the field, so the
caller can answer one clear line and write nothing. Pure: no I/O.

Hostile values are the point: an integer of 400 digits (``float()`` overflows), a
date whose UTC form falls outside year 1..9999, a NUL (PostgreSQL text cannot hold
it), a lone surrogate (not encodable as UTF-8, so no database can store it)."""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from core.incidents import FieldError

# C0 controls other than tab, newline and carriage return, and lone surrogates.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def shown(value: Any, limit: int = 40) -> str:
    """A value quoted in a message, clipped (a 10^400 integer is 401 digits)."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**limit else f"{str(value)[:12]}…"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def check_text(name: str, value: Any, limit: int) -> str | None:
    """Text of at most ``limit`` characters that every database can store; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(name, f"must be text, got {shown(value)}")
    if len(value) > limit:
        raise FieldError(name, f"longer than {limit} characters ({len(value)})")
    bad = _UNSTORABLE.search(value)
    if bad:
        code = ord(bad.group())
        what = "a lone surrogate (invalid Unicode)" if code >= 0xD800 else "a control character"
        raise FieldError(name, f"contains {what} U+{code:04X} at position {bad.start()}")
    return value


def check_number(name: str, value: Any, low: float, high: float) -> float:
    """A finite number within [low, high]; integers of any size are compared exactly."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(name, f"must be a number, got {shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise FieldError(name, f"must be a finite number, got {shown(value)}")
    if not low <= value <= high:
        raise FieldError(name, f"must be between {low:g} and {high:g}, got {shown(value)}")
    return float(value)


def check_time(name: str, value: datetime) -> datetime:
    """An aware time as UTC; one whose UTC form is outside year 1..9999 is refused."""
    if value.tzinfo is None:
        raise FieldError(name, "needs a time zone offset, e.g. +08:00")
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise FieldError(name, f"{value.isoformat()} is outside the supported dates") from None


def check_time_window(name: str, value: datetime, now: datetime, max_age: timedelta, max_ahead: timedelta) -> None:
    """Refuse a time further back than ``max_age`` or further ahead than ``max_ahead``
    (a 1970 date is a broken clock or a typo, not an incident to count)."""
    if value > now + max_ahead:
        raise FieldError(name, f"{value.isoformat()} is in the future")
    if value < now - max_age:
        raise FieldError(name, f"{value.isoformat()} is more than {max_age.days} days ago")
