"""`gridcommand bench ingest` at a tiny size: its keys, finite positive figures, nothing lost,
and the fresh-fix property that makes it honest (every HTTP fix moved its unit)."""
from __future__ import annotations

import math

from bench import ingest
from gridcommand.commands.bench import BENCHMARKS


def test_ingest_is_registered():
    assert BENCHMARKS["ingest"] == "bench.ingest"


def test_tiny_ingest_run_reports_every_figure():
    plan = ingest.Plan(units=4, connections=2, duration_s=0.6, warmup_s=0.1, ceiling_fixes=40, databases=("sqlite",))
    result = ingest.run(repeat=1, plan=plan)
    assert result["reference_per_s"] > 0
    figures = result["sqlite"]
    for key in ("fixes_per_s", "p50_ms", "p99_ms", "ceiling_per_s", "ratio_to_ceiling", "ratio_to_reference"):
        assert math.isfinite(figures[key]) and figures[key] > 0, (key, figures[key])
    assert figures["lost"] == 0 and figures["rejected"] == 0 and figures["unavailable"] == 0
    assert figures["acked"] == figures["answers"]["200"] == figures["sent"] > 0
    assert figures["serve_exit"] == 0
    assert "postgresql" not in result


def test_every_fix_is_its_units_newest(tmp_path):
    """The benchmark's fixes take the live path: each moves its unit (revision bump, upsert)."""
    from sqlalchemy import func, select

    from db.engine import session_factory
    from db.models import UnitLastPosition
    from db.positions_repo import positions_revision

    engine = ingest.prepare(f"sqlite:///{tmp_path / 'b.sqlite'}", units=3)
    try:
        ingest.ceiling(engine, fixes_total=24, batch=4, units=3)
        with session_factory(engine)() as session:
            assert positions_revision(session) == 24 // 4  # every batch moved units
            assert session.scalar(select(func.count()).select_from(UnitLastPosition)) == 3
            # Batch k holds the four devices of unit k % 3: the last three batches each moved theirs.
            assert sorted(session.scalars(select(UnitLastPosition.rev))) == [4, 5, 6]
        assert len(ingest.stored_ids(engine)) == 24
    finally:
        engine.dispose()
