"""The audit trail's hash chain: each row carries ``hash = SHA-256(prev_hash ‖ canonical row)``.

The canonical row leaves the id out on purpose: the chain itself fixes the order, so
rows swapped in the table show up as *reordered* (a row's ``prev_hash`` names another
row) rather than as changed. ``before``/``after`` enter as the JSON text the database
stores, so verifying reads text and never re-encodes JSON (that keeps verify fast).

The canonical row is its nine fields joined by U+001F. That is unambiguous because the
field count is fixed and no field of a written row contains U+001F: the JSON texts
escape control characters, and ``clean`` replaces it (and NUL, which stands for a
missing entity id) in the free-text fields before the row is written."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

GENESIS = "0" * 64  # the prev_hash of the first row
_SEP = "\x1f"
_NONE = "\x00"
_CLEAN = str.maketrans({_SEP: "\ufffd", _NONE: "\ufffd"})
_sha256 = hashlib.sha256


def clean(text: str) -> str:
    """``text`` fit for a canonical field (what the audit row then stores)."""
    return text.translate(_CLEAN)


def json_text(value) -> str:
    """The text a JSON column stores for ``value`` (SQLAlchemy's default serialiser)."""
    return "null" if value is None else json.dumps(value)


def at_text(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def row_hash(prev_hash: str, at: str, actor: str, workstation: str, operation: str, entity: str,
             entity_id: str | None, before: str, after: str) -> str:
    return _sha256(_SEP.join((prev_hash, at, actor, workstation, operation, entity,
                              _NONE if entity_id is None else entity_id, before, after)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    broken_id: int | None = None
    problem: str | None = None  # changed | removed | reordered
    detail: str = ""

    def to_dict(self) -> dict:
        return {"ok": self.ok, "rows": self.rows, "broken_id": self.broken_id, "problem": self.problem,
                "detail": self.detail}


def verify_rows(rows: Iterable[tuple], expected_rows: int | None = None,
                find_hash: Callable[[str], int | None] = lambda h: None) -> VerifyResult:
    """Walk ``rows`` (id, at as ``at_text`` writes it, actor, workstation, operation, entity,
    entity_id, before text, after text, prev_hash, hash) in id order; stop at the first
    broken row.

    ``expected_rows`` is how many rows the chain has had appended (kept beside it), so a
    removed tail is found too; ``find_hash`` looks a hash up anywhere in the table, to tell
    a reordered row from a removed one."""
    expected_prev = GENESIS
    count = 0
    last_id = None
    join, sha256 = _SEP.join, _sha256  # row_hash inlined: this loop is verify's whole cost
    for row_id, at, actor, workstation, operation, entity, entity_id, before, after, prev_hash, stored in rows:
        if sha256(join((prev_hash or "", at, actor, workstation, operation, entity,
                        _NONE if entity_id is None else entity_id, before or "null", after or "null"))
                  .encode("utf-8")).hexdigest() != stored:
            return VerifyResult(False, count, row_id, "changed", f"audit row {row_id}: its content no longer matches its hash")
        if prev_hash != expected_prev:
            other = find_hash(prev_hash) if prev_hash else None
            if other is not None:
                return VerifyResult(False, count, row_id, "reordered",
                                    f"audit row {row_id}: follows row {other}, not the row before it")
            return VerifyResult(False, count, row_id, "removed",
                                f"audit row {row_id}: the row it follows is missing")
        expected_prev = stored
        count += 1
        last_id = row_id
    if expected_rows is not None and count < expected_rows:
        return VerifyResult(False, count, last_id, "removed",
                            f"{expected_rows - count} audit row(s) missing after row {last_id}")
    if expected_rows is not None and count > expected_rows:
        return VerifyResult(False, count, last_id, "changed",
                            f"{count - expected_rows} audit row(s) more than were ever appended")
    return VerifyResult(True, count)
