"""Helpers every benchmark shares: medians, percentiles and child processes."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed_child(args: list[str], env: dict[str, str], marker: str = "READY", done: str = "DONE",
                timeout: float = 120) -> tuple[float, str]:
    """Seconds from spawning ``python args`` until it prints ``marker``, and the rest of
    the later ``done`` line (the child's own report)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    elapsed = None
    try:
        for line in proc.stdout:
            if elapsed is None and line.startswith(marker):
                elapsed = time.perf_counter() - start
            if line.startswith(done):
                proc.wait(timeout=timeout)
                if elapsed is None:
                    raise RuntimeError(f"child {args} reported {done} before {marker}")
                return elapsed, line[len(done):].strip()
        raise RuntimeError(f"child {args} exited with {proc.wait()} before printing {done}")
    finally:
        if proc.poll() is None:
            proc.kill()


# The benchmarks use the tests' server unless told otherwise (a fresh cluster has a password role).
PG_ADMIN_URL = (os.environ.get("GRIDCOMMAND_BENCH_PG") or os.environ.get("GRIDCOMMAND_TEST_PG")
                or "postgresql://postgres@127.0.0.1:5432/postgres")


def scratch_pg_database() -> tuple[str, callable]:
    """A new, empty PostgreSQL database for one benchmark run, and the function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from db.engine import normalize_url

    admin_url = normalize_url(PG_ADMIN_URL)
    name = f"gridcommand_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


# --- memory: the app and its QtWebEngine processes ---------------------------------

def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _rollup(pid: int) -> dict[str, int]:
    """kB figures from smaps_rollup (Rss, Pss)."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[0] in ("Rss:", "Pss:"):
                    out[parts[0][:-1]] = int(parts[1])
    except OSError:
        pass
    return out


def browser_memory_mib(root: int | None = None) -> dict:
    """PSS and RSS of this process plus every QtWebEngineProcess below it."""
    root = root or os.getpid()
    children = _proc_children()
    pids, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            todo.append(child)
            if "QtWebEngineProcess" in _cmdline(child):
                pids.append(child)
    figures = [_rollup(pid) for pid in pids]
    by_kind = {"python": round(figures[0].get("Pss", 0) / 1024, 1),
               "webengine": round(sum(f.get("Pss", 0) for f in figures[1:]) / 1024, 1)}
    return {"pss_mib": round(sum(f.get("Pss", 0) for f in figures) / 1024, 1),
            "rss_mib": round(sum(f.get("Rss", 0) for f in figures) / 1024, 1),
            "processes": len(pids), "pss_by_process_mib": by_kind}


def qt_wait(done, timeout_s: float, what: str, poll_ms: int = 20) -> None:
    """Run the Qt event loop (a real one, as in ``qapp.exec()``) until ``done()``; a
    RuntimeError naming ``what`` after ``timeout_s``. Qt is imported only by the GUI
    benchmarks that call this."""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    check = QTimer()
    check.timeout.connect(lambda: loop.quit() if done() or time.monotonic() > deadline else None)
    check.start(poll_ms)
    loop.exec()
    check.stop()
    if not done():
        raise RuntimeError(f"timed out waiting for {what}")
