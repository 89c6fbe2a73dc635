"""Reading the audit trail: verifying its hash chain and exporting a period of it."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, Text, cast, select

from core.audit_chain import VerifyResult, verify_rows
from db.feed_revisions import feed_revision
from db.models import AuditLog
from db.operations import AUDIT_COUNT_FEED

_BATCH = 20_000
_A = AuditLog.__table__.c
_CHAIN_COLUMNS = (_A.id, _A.at, _A.actor, _A.workstation, _A.operation, _A.entity, _A.entity_id,
                  cast(_A.before, Text), cast(_A.after, Text), _A.prev_hash, _A.hash)


def _chain_rows(conn) -> Iterator[tuple]:
    # Keyset pages: bounded memory on a table of millions, on both databases.
    last = 0
    while True:
        rows = conn.execute(select(*_CHAIN_COLUMNS).where(_A.id > last).order_by(_A.id).limit(_BATCH)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


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
