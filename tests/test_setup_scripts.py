"""The set-up scripts' branches on a fresh machine, run for real with fake system tools.

scripts/setup.sh and scripts/ensure-postgres.sh run under bash with a PATH holding only
stubs (apt-get, dpkg-query, pg_isready, psql, su, ...) plus the few coreutils they need,
so each branch a new Debian 12 machine takes is exercised here without touching this
machine's packages or PostgreSQL. (README: the same scripts were also run in a real
minimal debian:12 root.)"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COREUTILS = ("bash", "sh", "cat", "sed", "head", "od", "tr", "seq", "dirname", "touch", "cp", "chmod", "mkdir",
             "grep", "env")

STUBS = {
    # Always there on Debian.
    "id": 'echo 0',
    "sleep": 'exit 0',
    "apt-get": '''echo "apt-get $*" >> "$STATE/apt.log"
case " $* " in *" postgresql "*) cp "$PKG"/* "$BIN"/; touch "$STATE/installed";; esac''',
    "dpkg-query": '''pkg="${@: -1}"
grep -qx "$pkg" "$STATE/dpkg-installed" 2>/dev/null && echo "install ok installed" || exit 1''',
    "su": '''echo "su $*" >> "$STATE/su.log"
while [ "$1" != "-c" ]; do shift; done
exec sh -c "$2"''',
    "python3.11": '''[ "$1 $2 $3" = "-m venv .venv" ] || exit 3
mkdir -p .venv/bin
printf '#!/bin/bash\\necho "venv-python $*" >> "$STATE/pip.log"\\n' > .venv/bin/python
chmod +x .venv/bin/python''',
}
# What `apt-get install postgresql` puts on the PATH.
PACKAGE = {
    "pg_isready": '[ -e "$STATE/running" ]',
    "pg_lsclusters": '[ -e "$STATE/installed" ] && echo "15 main 5432 down postgres /var/lib/x /var/log/x"',
    "pg_ctlcluster": 'echo "pg_ctlcluster $*" >> "$STATE/ctl.log"; touch "$STATE/running"',
    "psql": '''echo "psql $* PGPASSWORD=${PGPASSWORD:-}" >> "$STATE/psql.log"
case " $* " in
  *" -h "*" -U postgres "*) [ -e "$STATE/trust" ];;
  *" -h "*" -U gridcommand_test "*) [ -n "${PGPASSWORD:-}" ] && [ "$PGPASSWORD" = "$(cat "$STATE/password")" ];;
  *) [ -e "$STATE/no-peer" ] && exit 2   # the local socket, as postgres
     sql=$(cat); echo "$sql" >> "$STATE/sql.log"
     echo "$sql" | sed -n "s/.*PASSWORD '\\([^']*\\)'.*/\\1/p" > "$STATE/password";;
esac''',
}


class FakeMachine:
    def __init__(self, tmp_path: Path):
        self.repo = tmp_path / "repo"
        (self.repo / "scripts").mkdir(parents=True)
        for script in ("setup.sh", "ensure-postgres.sh"):
            shutil.copy(ROOT / "scripts" / script, self.repo / "scripts" / script)
        self.bin, self.pkg, self.state, sysdir = (tmp_path / d for d in ("bin", "pkg", "state", "sys"))
        for d in (self.bin, self.pkg, self.state, sysdir):
            d.mkdir()
        for tool in COREUTILS:
            (sysdir / tool).symlink_to(shutil.which(tool))
        self._write(self.bin, STUBS)
        self._write(self.pkg, PACKAGE)
        self.env = {"PATH": f"{self.bin}:{sysdir}", "STATE": str(self.state), "BIN": str(self.bin),
                    "PKG": str(self.pkg), "HOME": str(tmp_path)}

    @staticmethod
    def _write(folder: Path, scripts: dict[str, str]) -> None:
        for name, body in scripts.items():
            path = folder / name
            path.write_text(f"#!{shutil.which('bash')}\n{body}\n")
            path.chmod(0o755)

    def install_postgres(self, running=True, trust=False) -> None:
        self._write(self.bin, PACKAGE)
        for flag, on in (("installed", True), ("running", running), ("trust", trust)):
            if on:
                (self.state / flag).touch()

    def run(self, script: str, **env) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", f"scripts/{script}"], cwd=self.repo, env={**self.env, **env},
                              capture_output=True, text=True, timeout=60)

    def log(self, name: str) -> str:
        path = self.state / name
        return path.read_text() if path.exists() else ""

    @property
    def url(self) -> str:
        return (self.repo / ".pg-test-url").read_text().strip()


@pytest.fixture
def machine(tmp_path):
    return FakeMachine(tmp_path)


def test_a_trusting_server_is_used_as_it_is(machine):
    machine.install_postgres(trust=True)
    done = machine.run("ensure-postgres.sh")
    assert done.returncode == 0, done.stderr
    assert machine.url == "postgresql://postgres@127.0.0.1:5432/postgres"
    assert machine.log("su.log") == "" and machine.log("apt.log") == "" and machine.log("ctl.log") == ""


def test_a_new_scram_cluster_gets_a_test_role_through_the_local_socket(machine):
    machine.install_postgres()  # running, TCP login as postgres refused
    done = machine.run("ensure-postgres.sh")
    assert done.returncode == 0, done.stderr
    assert machine.log("su.log").startswith("su postgres -s /bin/sh -c cd / && psql")
    sql = machine.log("sql.log")
    password = (machine.state / "password").read_text().strip()
    assert len(password) == 48 and password.isalnum()
    assert "CREATE ROLE gridcommand_test" in sql and "CREATE DATABASE gridcommand_test OWNER gridcommand_test" in sql
    assert f"ALTER ROLE gridcommand_test LOGIN CREATEDB PASSWORD '{password}';" in sql
    assert machine.url == f"postgresql://gridcommand_test:{password}@127.0.0.1:5432/gridcommand_test"
    assert oct((machine.repo / ".pg-test-url").stat().st_mode & 0o777) == "0o600"
    # The script checked the new login over TCP with the password.
    assert f"-U gridcommand_test -d gridcommand_test -c SELECT 1 PGPASSWORD={password}" in machine.log("psql.log")
    # A second run keeps the password.
    assert machine.run("ensure-postgres.sh").returncode == 0
    assert machine.url.startswith(f"postgresql://gridcommand_test:{password}@")


def test_a_machine_without_postgres_installs_and_starts_it(machine):
    done = machine.run("ensure-postgres.sh")
    assert done.returncode == 0, done.stderr
    assert machine.log("apt.log").splitlines() == ["apt-get update -q", "apt-get install -y -q postgresql"]
    assert machine.log("ctl.log") == "pg_ctlcluster --skip-systemctl-redirect 15 main start\n"
    assert machine.url.startswith("postgresql://gridcommand_test:")


def test_failures_say_what_to_do(machine):
    machine.install_postgres()
    (machine.state / "no-peer").touch()
    done = machine.run("ensure-postgres.sh")
    assert done.returncode == 1 and "cannot run psql as postgres on the local socket" in done.stderr
    assert not (machine.repo / ".pg-test-url").exists()
    # Installed but never comes up.
    other = FakeMachine(machine.repo.parent / "other")
    other.install_postgres(running=False)
    (other.bin / "pg_ctlcluster").write_text("#!/bin/bash\nexit 1\n")
    done = other.run("ensure-postgres.sh")
    assert done.returncode == 1 and "not reachable on 127.0.0.1:5432" in done.stderr
    # A given server is used as given: nothing is called.
    before = machine.log("psql.log")
    done = machine.run("ensure-postgres.sh", GRIDCOMMAND_TEST_PG="postgresql://u:p@db/x")
    assert done.returncode == 0 and machine.log("psql.log") == before


def test_setup_installs_python_with_the_libraries_in_one_apt_step(machine):
    done = machine.run("setup.sh")
    assert done.returncode == 0, done.stderr
    update, install = machine.log("apt.log").splitlines()
    assert update == "apt-get update -q"
    packages = install.split()
    assert packages[:5] == ["apt-get", "install", "-y", "-q", "--no-install-recommends"]
    assert {"python3", "python3-venv", "ca-certificates", "libnss3", "xvfb", "fonts-wqy-microhei"} <= set(packages)
    assert machine.log("pip.log").splitlines() == ["venv-python -m pip install -q --upgrade pip",
                                                   "venv-python -m pip install -q -e .[test]"]


def test_setup_on_a_ready_machine_installs_nothing_and_names_a_missing_python(machine):
    script = (ROOT / "scripts" / "setup.sh").read_text()
    listed = script[script.index("APT_PACKAGES=(") + 14:script.index(")\n", script.index("APT_PACKAGES=("))]
    packages = [w for line in listed.splitlines() for w in line.split("#")[0].split()]
    (machine.state / "dpkg-installed").write_text("\n".join(packages) + "\n")
    done = machine.run("setup.sh")
    assert done.returncode == 0 and machine.log("apt.log") == ""
    done = machine.run("setup.sh", PYTHON="python3.12")
    assert done.returncode == 1 and "setup: python3.12 not found" in done.stderr
