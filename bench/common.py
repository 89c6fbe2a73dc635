"""Helpers every benchmark shares: medians, percentiles and child processes."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time


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
