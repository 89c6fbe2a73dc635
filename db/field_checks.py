"""Input checks and numbering shared by the operations that take records from people
(incidents, work orders, patrol findings): one clear FieldError naming the field."""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.incidents import FieldError
from db.models import CodeTable


def check_coordinate(name: str, value: Any, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(name, f"must be a number, got {value!r}")
    if not math.isfinite(value) or abs(value) > limit:
        raise FieldError(name, f"must be between -{limit:g} and {limit:g}, got {value!r}")
    return float(value)


def check_code(session: Session, table: str, value: Any, field_name: str | None = None) -> str:
    """``value`` must be a code of the editable code table ``table``."""
    codes = list(session.scalars(select(CodeTable.code).where(CodeTable.table_name == table)
                                 .order_by(CodeTable.sort_order, CodeTable.code)))
    if not isinstance(value, str) or value not in codes:
        known = ", ".join(codes) if codes else "none: the code table is empty"
        raise FieldError(field_name or table, f"unknown code {value!r} (known: {known})")
    return value


def next_daily_number(session: Session, column: InstrumentedAttribute, letters: str, at: datetime, tz: str) -> str:
    """``<letters><local date>-<NNNN>``: the next free number of that local day."""
    prefix = f"{letters}{at.astimezone(ZoneInfo(tz)):%Y%m%d}-"
    used = session.scalars(select(column).where(column.like(prefix + "%")))
    last = max((int(n[len(prefix):]) for n in used if n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"
