"""The background worker keeps one Python thread state for its life: what a job leaves
thread-local (pyproj's PROJ contexts) is still valid for the next job. Without it PySide
dropped the state after every job, and a later pyproj transform crashed the process."""
from __future__ import annotations

import threading

from core.crs import metric_transformer
from desktop.tasks import TaskRunner

_local = threading.local()


def test_thread_locals_survive_from_one_job_to_the_next(qtbot, qapp):
    runner = TaskRunner()
    seen: list = []

    def job(n: int):
        before = getattr(_local, "n", None)
        _local.n = n
        fwd, _ = metric_transformer(112.08)  # a PROJ transform on the worker, job after job
        return before, round(fwd(112.08, 32.68)[0])

    for n in range(4):
        runner.submit(lambda n=n: job(n), seen.append)
    qtbot.waitUntil(lambda: len(seen) == 4, timeout=10000)
    assert [before for before, _ in seen] == [None, 0, 1, 2]
    assert len({x for _, x in seen}) == 1
    runner.close()
