"""Secrets at rest and in messages: the settings file is owner-only, database URLs are
shown as typed with the password hidden, and SQL parameters never reach a message."""
from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.settings import Settings
from db.config import load_settings, save_settings, settings_path
from db.engine import DatabaseUnavailable, make_engine, open_engine
from gridcommand.cli import main

PASSWORD = "pa55-w0rd"


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_settings_file_is_written_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDCOMMAND_HOME", str(tmp_path / "home"))
    settings = Settings()
    settings.api.token = "t0ken"
    path = save_settings(settings)
    assert path == settings_path()
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert load_settings()[1] == []  # no warning for a private file


def test_an_older_world_readable_file_and_directory_are_tightened_on_save(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDCOMMAND_HOME", str(tmp_path / "home"))
    path = settings_path()
    path.parent.mkdir(parents=True, mode=0o755)
    os.chmod(path.parent, 0o755)
    path.write_text("[api]\ntoken = 'x'\n", encoding="utf-8")
    os.chmod(path, 0o644)
    (path.with_suffix(".toml.tmp")).write_text("stale", encoding="utf-8")
    os.chmod(path.with_suffix(".toml.tmp"), 0o644)
    save_settings(Settings())
    assert (_mode(path), _mode(path.parent)) == (0o600, 0o700)


def test_start_warns_when_others_can_read_the_settings(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[api]\ntoken = 'x'\n", encoding="utf-8")
    os.chmod(path, 0o644)
    _, problems = load_settings(path)
    assert len(problems) == 1
    assert "readable by other users" in problems[0] and "chmod 600" in problems[0]
    os.chmod(path, 0o600)
    assert load_settings(path)[1] == []


def test_mistyped_driver_shows_the_url_as_typed_without_the_password():
    url = f"postgresq://postgres:{PASSWORD}@127.0.0.1/gc?password={PASSWORD}"
    with pytest.raises(DatabaseUnavailable) as info:
        open_engine(url)
    message = str(info.value)
    assert PASSWORD not in message
    assert "postgresq://postgres:***@127.0.0.1/gc?password=***" in message


def test_unreachable_database_is_reported_as_typed(capsys):
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/gc"
    assert main(["units", "list", "--db", url]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "postgresql://postgres:***@127.0.0.1:1/gc" in err
    assert PASSWORD not in err and "+psycopg" not in err


def test_sql_parameters_stay_out_of_error_messages(db_url):
    engine = make_engine(db_url)
    phone = "13812345678"
    with pytest.raises(DBAPIError) as info, engine.connect() as conn:
        conn.execute(text("INSERT INTO no_such_table (caller_phone) VALUES (:phone)"), {"phone": phone})
    assert phone not in str(info.value)
    assert "hidden" in str(info.value)
    engine.dispose()
