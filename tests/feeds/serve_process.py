"""Helpers for tests that run a real `gridcommand serve` in a subprocess."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from db.engine import session_factory
from db.models import Device, Unit

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_unit(engine, callsign: str, devices: list[str]) -> int:
    with session_factory(engine)() as s:
        unit = Unit(callsign=callsign, name=callsign, agency="joint", force="grid_patrol", tier=1,
                    status="available", created_at=NOW)
        s.add(unit)
        s.flush()
        for device_id in devices:
            s.add(Device(device_id=device_id, unit_id=unit.id, kind="phone", active=True, created_at=NOW))
        s.commit()
        return unit.id


def rows(engine, query):
    with session_factory(engine)() as s:
        return list(s.execute(query))


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class ServeProcess:
    """`python -m gridcommand.cli serve` on free ports, its log in a file."""

    def __init__(self, db_url: str, tmp_path: Path, cot: bool = False, settings_toml: str = "", preexec_fn=None,
                 extra_args: tuple[str, ...] = ()):
        self.http_port = free_port()
        self.cot_udp_port = free_port(socket.SOCK_DGRAM) if cot else None
        self.cot_tcp_port = free_port() if cot else None
        self.log_path = tmp_path / f"serve-{self.http_port}.log"
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        if settings_toml:
            (home / "config").mkdir(exist_ok=True)
            (home / "config" / "settings.toml").write_text(settings_toml, encoding="utf-8")
        args = [sys.executable, "-m", "gridcommand.cli", "serve", "--db", db_url,
                "--http", f"127.0.0.1:{self.http_port}"]
        if cot:
            args += ["--cot-udp", f"127.0.0.1:{self.cot_udp_port}", "--cot-tcp", f"127.0.0.1:{self.cot_tcp_port}"]
        args += list(extra_args)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self._log, preexec_fn=preexec_fn,
                                     env=dict(os.environ, GRIDCOMMAND_HOME=str(home)))
        expected = ["listening for http"] + (["listening for cot-udp", "listening for cot-tcp"] if cot else [])
        ready = wait_for(lambda: self.proc.poll() is not None or all(e in self.log() for e in expected), 30)
        if self.proc.poll() is not None or not ready:
            self.proc.kill()
            raise RuntimeError(f"serve did not start:\n{self.log()}")

    def rss_mib(self) -> float:
        """The server's resident memory now."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._log.close()
        return code

    def __enter__(self) -> "ServeProcess":
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.stop()
        self._log.close()


__all__ = ["NOW", "ServeProcess", "add_unit", "free_port", "rows", "wait_for"]
