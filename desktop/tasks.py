"""Background work for the GUI, in the manner of Anki's QueryOp/CollectionOp and
Orange's concurrent widgets: a pure function runs on a worker thread, its result
(or its exception) comes back on the GUI thread. Nothing here touches a widget.

A ``key`` makes work "latest wins": while one job of that key runs, newer requests
replace each other and only the newest runs next — a burst of changes costs one
reload, and a slow ranking is never queued up behind itself."""
from __future__ import annotations

import ctypes
import itertools
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


@dataclass
class _Job:
    fn: Callable[[], Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    key: str | None


class _Relay(QObject):
    # Emitted on worker threads; the runner lives on the GUI thread, so delivery is queued there.
    sig_finished = Signal(int, bool, object)


_thread = threading.local()


def _keep_thread_state() -> None:
    """Keep this worker thread's Python thread state for the thread's life. PySide makes a
    fresh one for each job and drops it afterwards, and with it everything thread-local:
    pyproj's per-thread PROJ contexts then dangle, and the next job's transform crashed in
    PROJ (a line moved on the map after one was drawn). One extra GIL-state hold keeps it."""
    if not getattr(_thread, "kept", False):
        ctypes.pythonapi.PyGILState_Ensure()
        _thread.kept = True


class _Runnable(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.job_id, self.fn, self.relay = job_id, fn, relay

    def run(self) -> None:
        _keep_thread_state()
        try:
            result, ok = self.fn(), True
        except BaseException as exc:  # handed to the GUI thread, which decides what the user sees
            result, ok = exc, False
        self.relay.sig_finished.emit(self.job_id, ok, result)


class TaskRunner(QObject):
    def __init__(self, parent=None):
        super().__init__(parent)
        # One worker thread that lives as long as the runner: jobs run in the order asked,
        # and pyproj's per-thread PROJ objects are never torn down under a running
        # transform (a pool thread that expired and was replaced crashed in pyproj).
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.pool.setExpiryTimeout(-1)
        self.pool.setStackSize(16 * 1024 * 1024)
        self._relay = _Relay(self)
        self._relay.sig_finished.connect(self._on_finished)
        self._ids = itertools.count(1)
        self._running: dict[int, _Job] = {}
        self._busy_keys: set[str] = set()
        self._waiting: dict[str, _Job] = {}  # key -> the newest request while one runs
        self._closed = False
        self.default_error: Callable[[BaseException], None] = lambda exc: log.error("background task failed: %s", exc)

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None, key: str | None = None) -> None:
        if self._closed:
            return
        job = _Job(fn, on_done, on_error, key)
        if key is not None and key in self._busy_keys:
            self._waiting[key] = job
            return
        self._start(job)

    def _start(self, job: _Job) -> None:
        job_id = next(self._ids)
        self._running[job_id] = job
        if job.key is not None:
            self._busy_keys.add(job.key)
        self.pool.start(_Runnable(job_id, job.fn, self._relay))

    @Slot(int, bool, object)
    def _on_finished(self, job_id: int, ok: bool, result: object) -> None:
        job = self._running.pop(job_id, None)
        if job is None:
            return
        if job.key is not None:
            self._busy_keys.discard(job.key)
            newer = self._waiting.pop(job.key, None)
            if newer is not None and not self._closed:
                self._start(newer)
        if self._closed:
            return
        try:
            if ok:
                if job.on_done is not None:
                    job.on_done(result)
            else:
                (job.on_error or self.default_error)(result)
        except Exception:  # a failing callback must not stop later results from arriving
            log.exception("callback of a background task failed")

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait_idle(self, timeout_ms: int = 10000) -> bool:
        """Block until the worker threads are idle (shutdown, tests)."""
        return self.pool.waitForDone(timeout_ms)

    def close(self, timeout_ms: int = 10000) -> None:
        """No more callbacks after this: the views they would update may be gone."""
        self._closed = True
        self._waiting.clear()
        self.pool.waitForDone(timeout_ms)
