"""The audit trail's hash chain: appended by every operation, verified end to end, and
an edit, a removal or a reordering made directly in the database is named."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from db.audit_repo import export_rows, render, verify
from db.engine import make_engine
from db.migrate import upgrade


def _audit_rows(runner, n: int, tag: str = "x") -> None:
    def write(ctx):
        for i in range(n):
            ctx.audit("places", f"{tag}{i}", None if i % 2 else {"name": "旧名", "n": i},
                      {"name": f"新名 {i}", "nested": {"b": [1, 2.5, None], "a": "x\ny"}})
    runner.run("edit places", write, "edit_layers")


def _ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())


def test_every_operation_extends_the_chain_and_it_verifies(runner, engine):
    _audit_rows(runner, 3)
    _audit_rows(runner, 2, "y")
    result = verify(engine)
    assert result.ok and result.rows == 5, result


def test_an_edited_row_is_named_as_changed(runner, engine):
    _audit_rows(runner, 4)
    target = _ids(engine)[2]
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE id = :id"), {"id": target})
    result = verify(engine)
    assert (result.ok, result.broken_id, result.problem) == (False, target, "changed")


def test_an_edited_json_value_is_named_as_changed(runner, engine):
    _audit_rows(runner, 3)
    target = _ids(engine)[1]
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET after = NULL WHERE id = :id"), {"id": target})
    result = verify(engine)
    assert (result.broken_id, result.problem) == (target, "changed")


def test_a_removed_row_is_named(runner, engine):
    _audit_rows(runner, 4)
    ids = _ids(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
    result = verify(engine)
    assert (result.broken_id, result.problem) == (ids[2], "removed")


def test_a_removed_last_row_is_found_by_the_count(runner, engine):
    _audit_rows(runner, 3)
    ids = _ids(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[-1]})
    result = verify(engine)
    assert (result.ok, result.broken_id, result.problem) == (False, ids[-2], "removed")


def test_swapped_rows_are_named_as_reordered(runner, engine):
    _audit_rows(runner, 4)
    a, b = _ids(engine)[1:3]
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET id = -1 WHERE id = :a"), {"a": a})
        conn.execute(text("UPDATE audit_log SET id = :a WHERE id = :b"), {"a": a, "b": b})
        conn.execute(text("UPDATE audit_log SET id = :b WHERE id = -1"), {"b": b})
    result = verify(engine)
    assert (result.broken_id, result.problem) == (a, "reordered")


def test_a_refused_operation_appends_nothing(runner, engine):
    from core.incidents import FieldError

    _audit_rows(runner, 2)

    def failing(ctx):
        ctx.audit("places", "z", None, {"a": 1})
        raise FieldError("name", "bad")

    with pytest.raises(FieldError):
        runner.run("edit places", failing, "edit_layers")
    assert verify(engine).ok and verify(engine).rows == 2


def test_rows_written_before_the_chain_are_chained_by_the_migration(db_url):
    engine = make_engine(db_url)
    upgrade(engine, "0004")
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO audit_log (at, actor, workstation, operation, entity, entity_id, before, "
                              "after) VALUES (:at, 'old', 'ws', 'op', 'grids', :id, NULL, :after)"),
                         {"at": datetime(2026, 1, 1, 8, i, tzinfo=timezone.utc).replace(tzinfo=None)
                          if engine.dialect.name == "sqlite" else datetime(2026, 1, 1, 8, i, tzinfo=timezone.utc),
                          "id": str(i), "after": '{"name": "G%d"}' % i})
    upgrade(engine)
    from db.operations import Actor, OperationRunner

    _audit_rows(OperationRunner(engine, Actor("t", "ws")), 2)
    result = verify(engine)
    assert result.ok and result.rows == 5, result
    engine.dispose()


def test_export_a_period_as_csv_and_json(runner, engine):
    _audit_rows(runner, 2)
    rows = export_rows(engine, datetime(2000, 1, 1, tzinfo=timezone.utc), None)
    assert [r["entity_id"] for r in rows] == ["x0", "x1"]
    assert rows[0]["hash"] and rows[1]["prev_hash"] == rows[0]["hash"]
    csv_text = render(rows, "csv")
    assert csv_text.splitlines()[0].startswith("id,at,actor") and "新名 0" in csv_text
    assert '"entity_id": "x1"' in render(rows, "json")
    assert export_rows(engine, None, datetime(2000, 1, 1, tzinfo=timezone.utc)) == []


def test_a_separator_in_a_name_cannot_shift_fields(engine):
    """Free-text fields lose U+001F (and NUL) before they are hashed and stored, so no two
    different rows share a canonical form."""
    from db.operations import Actor, OperationRunner

    odd = OperationRunner(engine, Actor("a\x1fb", "ws\x00"))
    odd.run("edit places", lambda ctx: ctx.audit("places", "x\x1fy", None, {"k": "v\x1f"}), "edit_layers")
    with engine.connect() as conn:
        actor, workstation, entity_id = conn.execute(text("SELECT actor, workstation, entity_id FROM audit_log")).one()
    assert (actor, workstation, entity_id) == ("a\ufffdb", "ws\ufffd", "x\ufffdy")
    assert verify(engine).ok
