"""Commands that only read never migrate or create a database: a schema behind the code
is one line that says what to run."""
import pytest
from sqlalchemy import inspect

from db.engine import make_engine
from gridcommand.cli import main

READ_ONLY = (["units", "list"], ["rejects"], ["device", "list"],
             ["recommend", "--lat", "32.68", "--lon", "112.08"],
             ["track", "export", "--unit", "X", "--format", "csv"],
             ["replay", "snapshot", "--at", "2025-05-01T08:00:00Z"], ["drill", "report"],
             ["stats", "--from", "2022-08-01", "--to", "2022-08-31"],
             ["incidents", "export", "--from", "2022-08-01", "--to", "2022-08-31"],
             ["report", "--from", "2022-08-01", "--to", "2022-08-31", "--out", "never-written.pdf"])


@pytest.mark.parametrize("argv", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_a_missing_sqlite_file_is_not_created(argv, tmp_path, capsys):
    path = tmp_path / "nothing.sqlite"
    assert main([*argv, "--db", f"sqlite:///{path}"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "gridcommand db upgrade" in err[0]
    assert not path.exists()


@pytest.mark.parametrize("argv", READ_ONLY[:3], ids=lambda a: " ".join(a[:2]))
def test_an_empty_database_is_not_migrated(argv, db_url, capsys):
    engine = make_engine(db_url)
    with engine.connect():
        pass
    assert main([*argv, "--db", db_url]) == 3
    err = capsys.readouterr().err
    assert "is empty" in err and "gridcommand db upgrade" in err
    assert "alembic_version" not in inspect(engine).get_table_names()
    engine.dispose()


def test_a_database_behind_the_code_names_its_revision(db_url, capsys):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0000old')")
    assert main(["units", "list", "--db", db_url]) == 3
    err = capsys.readouterr().err
    assert "0000old" in err and "behind" in err and "gridcommand db upgrade" in err
    engine.dispose()
