"""A database filled at the first revision is upgraded to the newest without losing a row or
a value, on both databases.

Every table of revision 0001 gets rows (foreign keys pointing at real rows, the way the
program writes them), then `upgrade` runs to head, and each row is read back: same count,
same values in every column both revisions have. On SQLite the later revisions rebuild
tables (ALTER through copy-drop-rename): with foreign keys enforced there, dropping
``devices`` or ``units`` for the rebuild would cascade into ``positions`` and the other
children, which is why db/migrate.py turns them off for the migration and checks them
after."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import MetaData, Table, inspect, select, text
from sqlalchemy import types as sa_types

from db.engine import make_engine
from db.migrate import current_revision, head_revision, upgrade

ROWS = 3
T0 = datetime(2026, 1, 5, 8, 0)


def _value(table: Table, column, i: int, filled: dict):
    """A value for row ``i`` of ``column``: the i-th row's key for a foreign key, else by type."""
    for fk in column.foreign_keys:
        target = fk.column
        rows = filled.get(target.table.name)
        if rows:
            return rows[i % len(rows)][target.name]
        return None  # a table not filled yet (a cycle): leave it empty if allowed
    kind = column.type
    if isinstance(kind, sa_types.Boolean):
        return i % 2 == 0
    if isinstance(kind, (sa_types.Integer,)):
        return i + 1
    if isinstance(kind, (sa_types.Float, sa_types.Numeric)):
        return 1.25 + i
    if isinstance(kind, sa_types.DateTime):
        return T0 + timedelta(minutes=i)
    if isinstance(kind, sa_types.Date):
        return date(2026, 1, 5 + i)
    if isinstance(kind, sa_types.JSON):
        return {"row": i, "table": table.name}
    if isinstance(kind, sa_types.String):
        text_value = f"{column.name}-{i}"
        return text_value[: kind.length] if kind.length else text_value
    raise AssertionError(f"no sample value for {table.name}.{column.name} ({kind!r})")


def _fill(engine) -> dict[str, list[dict]]:
    meta = MetaData()
    meta.reflect(engine)
    filled: dict[str, list[dict]] = {}
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [{c.name: _value(table, c, i, filled) for c in table.columns} for i in range(ROWS)]
            conn.execute(table.insert(), rows)
            filled[table.name] = rows
    return filled


def _normal(value):
    """Values as both databases hand them back: aware times in UTC compared naive."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


# Tables a later revision replaced on purpose, checked below instead of column by column.
REPLACED = {"users": "0006", "roles": "0006"}
# Rows a later revision adds (feed_revisions: 0006's count of chained audit rows).
ADDED = {"feed_revisions": ("audit",)}


def test_a_database_filled_at_0001_upgrades_to_head_without_loss(db_url):
    engine = make_engine(db_url)
    assert upgrade(engine, "0001") == "0001"
    filled = _fill(engine)
    assert len(filled) >= 10  # the whole first schema, not a corner of it

    assert upgrade(engine) == head_revision() == current_revision(engine)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for name, rows in filled.items():
            if name in REPLACED:
                continue
            table = meta.tables[name]
            key = [c.name for c in table.primary_key.columns]
            stored = [dict(r._mapping) for r in conn.execute(select(table).order_by(*[table.c[k] for k in key]))]
            added = [r for r in stored if r.get("feed") in ADDED.get(name, ())]
            stored = [r for r in stored if r not in added]
            assert len(stored) == len(rows), f"{name}: {len(rows)} rows before, {len(stored)} after"
            expected = sorted(rows, key=lambda r: [r[k] for k in key])
            for before, after in zip(expected, stored):
                for column, value in before.items():
                    assert _normal(after[column]) == _normal(value), f"{name}.{column} changed"
        # 0006 replaced users/roles (roles are declared in core.roles): every user is carried
        # over with its name and times, disabled and without a password until an admin acts.
        users = {r.id: r for r in conn.execute(select(meta.tables["users"]))}
        assert sorted(users) == sorted(r["id"] for r in filled["users"])
        for before in filled["users"]:
            after = users[before["id"]]
            assert (after.username, after.display_name) == (before["username"], before["display_name"])
            assert _normal(after.created_at) == _normal(before["created_at"])
            assert after.disabled and after.password_hash == "" and after.role == "wall"  # "name-…": not a role
        assert "roles" not in meta.tables
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on for the program
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    engine.dispose()


def test_sqlite_migrations_refuse_to_commit_broken_foreign_keys(tmp_path):
    """Foreign keys are off while tables are rebuilt; a migration that left a dangling
    reference is rolled back, not committed."""
    import pytest

    engine = make_engine(f"sqlite:///{tmp_path / 'fk.sqlite'}")
    upgrade(engine, "0001")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # as a damaged file or an old tool would
        conn.execute(text("INSERT INTO devices (device_id, unit_id, kind, active, created_at) "
                          "VALUES ('ghost', 999, 'phone', 1, '2026-01-05 08:00:00')"))
        conn.commit()
    with pytest.raises(RuntimeError, match="foreign key"):
        upgrade(engine)
    assert current_revision(engine) == "0001"  # nothing of the upgrade was kept
    assert "drill_results" not in inspect(engine).get_table_names()
    engine.dispose()
