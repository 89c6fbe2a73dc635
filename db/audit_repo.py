"""Reading the audit trail: verifying its hash chain and exporting a period of it."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, select

from core.audit_chain import VerifyResult, verify_rows
from db.feed_revisions import feed_revision
from db.models import AuditLog
from db.operations import AUDIT_COUNT_FEED

_BATCH = 20_000
_A = AuditLog.__table__.c
# The chain's columns as the hash takes them, formatted by the database itself: the time
# as core.audit_chain.at_text writes it, the JSON as its stored text. Read through the
# driver's own cursor, so no per-row type conversion runs in Python (verify's speed).
_AT_TEXT = {
    # SQLite keeps UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]" (no fraction when it was 0).
    "sqlite": "substr(at, 1, 10) || 'T' || substr(at, 12, 8) || '.' || substr(substr(at, 21) || '000000', 1, 6)"
              " || '+00:00'",
    "postgresql": """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
}
_CHAIN_SQL = ("SELECT id, {at}, actor, workstation, operation, entity, entity_id, CAST(before AS TEXT), "
              "CAST(after AS TEXT), prev_hash, hash FROM audit_log WHERE id > {p} ORDER BY id LIMIT {p}")


def _chain_rows(conn) -> Iterator[tuple]:
    """Every row in id order, in keyset pages: bounded memory on a table of millions."""
    dialect = conn.dialect.name
    sql = _CHAIN_SQL.format(at=_AT_TEXT[dialect], p="?" if dialect == "sqlite" else "%s")
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        last = 0
        while True:
            cursor.execute(sql, (last, _BATCH))
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]
    finally:
        cursor.close()


def verify(engine: Engine) -> VerifyResult:
    with engine.connect() as conn:
        with conn.begin():  # one snapshot: rows appended meanwhile are not half-counted (PostgreSQL)
            from sqlalchemy.orm import Session

            expected = feed_revision(Session(bind=conn), AUDIT_COUNT_FEED)

            def find_hash(digest: str) -> int | None:
                return conn.execute(select(_A.id).where(_A.hash == digest).limit(1)).scalar()

            return verify_rows(_chain_rows(conn), expected, find_hash)


EXPORT_COLUMNS = ("id", "at", "actor", "workstation", "operation", "entity", "entity_id", "before", "after",
                  "prev_hash", "hash")


def export_rows(engine: Engine, start: datetime | None, end: datetime | None) -> list[dict]:
    query = select(*(getattr(_A, c) for c in EXPORT_COLUMNS)).order_by(_A.id)
    if start is not None:
        query = query.where(_A.at >= start)
    if end is not None:
        query = query.where(_A.at < end)
    with engine.connect() as conn:
        return [{**row._mapping, "at": row.at.isoformat()} for row in conn.execute(query)]


def render(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([json.dumps(row[c], ensure_ascii=False) if c in ("before", "after") else
                         ("" if row[c] is None else row[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()
