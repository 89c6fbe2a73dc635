"""`gridcommand user`, `token` and `audit` end to end on both databases, including a role
trying from the CLI what it lacks and an audit row edited directly in the database."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import text

from db.engine import make_engine

PASSWORD = "a good long password"


@pytest.fixture
def stdin(monkeypatch):
    def feed(data: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(data))
    return feed


def test_users_tokens_and_audit_through_the_cli(cli, db_url, stdin, monkeypatch):
    stdin(PASSWORD + "\n")
    code, out, err = cli("user", "add", "zhang", "--role", "dispatcher", "--password-stdin", "--db", db_url)
    assert code == 0, err
    stdin(PASSWORD + "\n")
    assert cli("user", "add", "boss", "--role", "admin", "--password-stdin", "--db", db_url)[0] == 0
    code, out, _ = cli("user", "list", "--json", "--db", db_url)
    assert [(u["username"], u["role"]) for u in json.loads(out)] == [("boss", "admin"), ("zhang", "dispatcher")]
    assert PASSWORD not in out

    code, out, _ = cli("token", "add", "cad110", "--role", "intake", "--json", "--db", db_url)
    token = json.loads(out)["token"]
    code, out, _ = cli("token", "list", "--db", db_url)
    assert "cad110" in out and token not in out
    assert cli("token", "revoke", "cad110", "--db", db_url)[0] == 0
    assert "revoked" in cli("token", "list", "--db", db_url)[1]

    # The console of a registered account acts with its role: a dispatcher may not add users.
    monkeypatch.setattr("getpass.getuser", lambda: "zhang")
    stdin(PASSWORD + "\n")
    code, _, err = cli("user", "add", "x", "--role", "wall", "--password-stdin", "--db", db_url)
    assert code == 4 and err.strip() == "gridcommand: add user: refused, zhang (接警员 dispatcher) may not manage_users"
    monkeypatch.setattr("getpass.getuser", lambda: "boss")
    assert cli("user", "disable", "zhang", "--db", db_url)[0] == 0
    monkeypatch.setattr("getpass.getuser", lambda: "zhang")  # disabled: no permission at all
    assert cli("token", "add", "t2", "--role", "support", "--db", db_url)[0] == 4

    code, out, _ = cli("audit", "verify", "--json", "--db", db_url)
    result = json.loads(out)
    assert code == 0 and result["ok"] and result["rows"] == 5

    engine = make_engine(db_url)
    with engine.begin() as conn:
        target = conn.execute(text("SELECT min(id) FROM audit_log WHERE operation = 'add API client'")).scalar()
        conn.execute(text("UPDATE audit_log SET after = :a WHERE id = :id"),
                     {"a": '{"name": "cad110", "role": "support"}', "id": target})
    engine.dispose()
    code, out, err = cli("audit", "verify", "--db", db_url)
    assert code == 1 and f"BROKEN at row {target} (changed)" in err

    code, out, _ = cli("audit", "export", "--format", "json", "--from", "1d", "--db", db_url)
    rows = json.loads(out)
    assert len(rows) == 5 and all(r["hash"] for r in rows)
    code, out, _ = cli("audit", "export", "--format", "csv", "--db", db_url)
    assert out.splitlines()[0] == "id,at,actor,workstation,operation,entity,entity_id,before,after,prev_hash,hash"


@pytest.mark.parametrize("argv,field", [
    (("user", "add", "a b", "--role", "wall", "--password-stdin"), "name:"),
    (("user", "add", "ok", "--role", "superuser", "--password-stdin"), "role:"),
    (("user", "passwd", "nobody", "--password-stdin"), "name:"),
    (("token", "revoke", "nobody"), "name:"),
])
def test_bad_input_is_one_line_naming_the_field(cli, tmp_path, stdin, argv, field):
    stdin(PASSWORD + "\n")
    code, out, err = cli(*argv, "--db", f"sqlite:///{tmp_path / 't.sqlite'}")
    assert code == 2 and len(err.strip().splitlines()) == 1 and field in err


def test_a_short_password_is_refused(cli, tmp_path, stdin):
    stdin("short\n")
    code, _, err = cli("user", "add", "a", "--role", "wall", "--password-stdin", "--db", f"sqlite:///{tmp_path / 't.sqlite'}")
    assert code == 2 and "password: at least 8 characters" in err


def test_an_export_period_must_run_forwards(cli, tmp_path):
    code, _, err = cli("audit", "export", "--from", "2026-01-02", "--to", "2026-01-01",
                       "--db", f"sqlite:///{tmp_path / 't.sqlite'}")
    assert code == 2 and "--to" in err
