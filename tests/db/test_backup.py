"""`gridcommand db backup` / `db restore` on both databases: a copy taken while the database
is in use, restored elsewhere with everything in it; no overwrite without --force; a file
that is not a backup changes nothing."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from db.backup import BackupError, backup, restore
from db.engine import make_engine, normalize_url
from db.migrate import head_revision
from db.models import Unit
from db.seed import seed_demo


def _units(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Unit)).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def other_db(db_url, tmp_path):
    """A second, empty database of the same kind to restore into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    base = make_url(normalize_url(db_url))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"gridcommand_restore_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_while_in_use_then_restore_elsewhere(seeded, db_url, other_db, tmp_path):
    units = _units(db_url)
    assert units > 0
    engine = seeded.engine
    with engine.connect() as busy:  # a workstation reading at that moment
        busy.execute(select(func.count()).select_from(Unit))
        result = backup(db_url, tmp_path / "copy.bak")
    assert result.size > 0 and result.revision == head_revision()
    restored = restore(tmp_path / "copy.bak", other_db)
    assert restored.revision == head_revision()
    assert _units(other_db) == units


def test_nothing_is_overwritten_without_force(seeded, db_url, tmp_path):
    out = tmp_path / "copy.bak"
    backup(db_url, out)
    before = out.read_bytes()
    with pytest.raises(BackupError, match="exists; backup refuses to overwrite it without --force"):
        backup(db_url, out)
    assert out.read_bytes() == before
    # Units renamed after the backup: restoring over the live database needs --force …
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE units SET name = 'changed'"))
    with pytest.raises(BackupError, match="without --force"):
        restore(out, db_url)
    engine = seeded.engine
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM units WHERE name = 'changed'")).scalar_one() > 0
    engine.dispose()
    # … and with it, the database is what the backup holds.
    restore(out, db_url, force=True)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM units WHERE name = 'changed'")).scalar_one() == 0
    engine.dispose()


def test_a_file_that_is_not_a_backup_changes_nothing(seeded, db_url, tmp_path):
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a database at all " * 100)
    units = _units(db_url)
    with pytest.raises(BackupError, match="not a"):
        restore(junk, db_url, force=True)
    with pytest.raises(BackupError, match="no backup file"):
        restore(tmp_path / "missing.bak", db_url, force=True)
    assert _units(db_url) == units


def test_the_cli_backs_up_and_restores(cli, seeded, db_url, other_db, tmp_path):
    out = tmp_path / "cli.bak"
    code, stdout, err = cli("db", "backup", "--out", str(out), "--db", db_url)
    assert code == 0, err
    assert f"backed up to {out}" in stdout and "password" not in stdout
    code, _, err = cli("db", "backup", "--out", str(out), "--db", db_url)
    assert code == 2 and "without --force" in err and len(err.strip().splitlines()) == 1
    code, stdout, err = cli("db", "restore", str(out), "--db", other_db)
    assert code == 0, err
    assert "restored from" in stdout
    assert _units(other_db) == _units(db_url)


def test_postgresql_without_pg_dump_says_what_to_install(pg_database, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        backup(pg_database, tmp_path / "x.bak")
    assert not list(Path(tmp_path).iterdir())


def test_a_sqlite_backup_is_one_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    runner_engine = make_engine(url)
    from db.migrate import upgrade
    from db.operations import Actor, OperationRunner

    upgrade(runner_engine)
    seed_demo(OperationRunner(runner_engine, Actor("admin", "setup")))
    backup(url, tmp_path / "one.bak")  # taken while the engine (WAL mode) is open
    runner_engine.dispose()
    assert not (tmp_path / "one.bak-wal").exists()
    assert _units(f"sqlite:///{tmp_path / 'one.bak'}") == _units(url)
