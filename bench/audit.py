"""`gridcommand bench audit`: how fast `gridcommand audit verify` walks the hash chain.

The database: a SQLite file with ``rows`` (default 100,000) audit rows shaped like the
incident loop's (an incident's columns before and after), chained exactly as the
operation runner chains them; built once per size in the temp directory (not timed).

- ``verify_rows_per_s``: rows verified per second by ``db.audit_repo.verify`` (median
  of ``repeat`` runs), the figure the target is about;
- ``read_rows_per_s`` (the baseline, same run): the same rows only read, in the same
  keyset pages, without hashing — what verifying costs above reading;
- ``ratio_to_read``: verify time / read time;
- ``verify_cpu_rows_per_s``: the same from this process's CPU time (on a shared,
  loaded machine the wall-clock figure is mostly other processes' time).

Target: verify >= 100,000 rows/s.
"""
from __future__ import annotations

import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import median

ROWS = 100_000
TARGET_ROWS_PER_S = 100_000
_FORMAT_VERSION = 2  # 2: fields joined by U+001F
START = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _db_path(rows: int) -> Path:
    return Path(tempfile.gettempdir()) / f"gridcommand-bench-audit-v{_FORMAT_VERSION}-{rows}.sqlite"


def build_database(path: Path, rows: int) -> None:
    from sqlalchemy import insert, update

    from core.audit_chain import GENESIS, at_text, json_text, row_hash
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.models import AuditLog, FeedRevision

    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    prev, batch = GENESIS, []
    with engine.begin() as conn:
        for i in range(rows):
            at = START + timedelta(seconds=i)
            before = {"id": i, "number": f"JQ20261101-{i:04d}", "state": "received", "tier": 1, "version": 1,
                      "grid_id": i % 40, "lon": 112.08 + i * 1e-6, "lat": 32.68, "caller": "张三",
                      "received_at": at.isoformat()}
            after = {**before, "state": "dispatched", "version": 2}
            values = dict(at=at, actor=f"dispatcher{i % 12}", workstation=f"ws-{i % 8}", operation="dispatch units",
                          entity="incidents", entity_id=str(i), before=before if i % 3 else None, after=after)
            digest = row_hash(prev, at_text(at), values["actor"], values["workstation"], values["operation"],
                              values["entity"], values["entity_id"], json_text(values["before"]), json_text(after))
            batch.append({**values, "prev_hash": prev, "hash": digest})
            prev = digest
            if len(batch) == 5000:
                conn.execute(insert(AuditLog), batch)
                batch = []
        if batch:
            conn.execute(insert(AuditLog), batch)
        conn.execute(update(FeedRevision).where(FeedRevision.feed == "audit").values(rev=rows))
    engine.dispose()


def run(repeat: int = 5, rows: int = ROWS) -> dict:
    from db.audit_repo import _chain_rows, verify
    from db.engine import make_engine

    path = _db_path(rows)
    if not path.exists():
        building = path.with_suffix(".building")  # a build cut short is never taken for a built file
        build_database(building, rows)
        building.rename(path)
    engine = make_engine(f"sqlite:///{path}")
    verify_s, read_s, cpu_s = [], [], []
    try:
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            result = verify(engine)
            verify_s.append(time.perf_counter() - start)
            cpu_s.append(time.process_time() - cpu)
            if not result.ok or result.rows != rows:
                raise RuntimeError(f"the bench chain does not verify: {result}")
            start = time.perf_counter()
            with engine.connect() as conn:
                read = sum(1 for _ in _chain_rows(conn))
            read_s.append(time.perf_counter() - start)
            assert read == rows
    finally:
        engine.dispose()
    verify_rate = rows / median(verify_s)
    return {
        "rows": rows,
        "verify_rows_per_s": round(verify_rate),
        "verify_median_s": round(median(verify_s), 3),
        "verify_cpu_rows_per_s": round(rows / median(cpu_s)),
        "read_rows_per_s": round(rows / median(read_s)),
        "ratio_to_read": round(median(verify_s) / median(read_s), 2),
        "runs": repeat,
        "target": {"verify_rows_per_s_min": TARGET_ROWS_PER_S},
        "met": verify_rate >= TARGET_ROWS_PER_S,
    }
