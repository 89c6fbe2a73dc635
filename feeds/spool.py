"""The ingest server's local spool: where fixes wait, durably, while the database is away.

When the database cannot be reached the writer appends the batch here and
acknowledges it only after ``fsync``; when the database returns it drains the
spool oldest first, before any newer fix, so a unit's track is stored in the
order it was reported.

Layout in ``spool_dir``: segment files ``NNNNNNNNNN.spool`` (append-only, one
record a line: ``crc32 json``) and, for the segment being drained, a
``NNNNNNNNNN.done`` file holding how far it is committed. A record
whose line is torn or whose checksum disagrees was being written when the process
died: it was never acknowledged, and is skipped. Draining is idempotent: a crash
between the database commit and the ``.done`` update stores the same fixes again,
which the store recognises as resent duplicates (same device, same fix time) and
keeps once. That is why a fix without a time gets the spooling time here, not the
draining time.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from core.fixes import Fix

log = logging.getLogger("gridcommand.ingest")

__all__ = ["DEFAULT_SPOOL_MAX_FIXES", "FixSpool", "SpoolFull", "SpoolInUse", "SpooledFix"]

DEFAULT_SPOOL_MAX_FIXES = 200_000
_SUFFIX = ".spool"
_DONE = ".done"
# A new segment is started past this many records, so a drained segment can be deleted
# while the outage still fills the spool.
_SEGMENT_RECORDS = 10_000


class SpoolInUse(RuntimeError):
    """Another process holds the spool directory."""


class SpoolFull(Exception):
    """The spool holds its bound: the sender keeps the fix and retries (HTTP 503)."""


@dataclass(frozen=True, slots=True)
class SpooledFix:
    fix: Fix
    source: str


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _encode(fix: Fix, source: str) -> bytes:
    record = {"d": fix.device_id, "la": fix.lat, "lo": fix.lon, "t": _time(fix.fix_time),
              "a": fix.accuracy_m, "s": fix.speed_mps, "h": fix.heading_deg, "al": fix.altitude_m,
              "b": fix.battery_pct, "st": _time(fix.stale_at), "p": fix.protocol, "at": fix.attributes,
              "src": source}
    body = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    return b"%08x %s\n" % (zlib.crc32(body), body)


def _decode(line: bytes) -> SpooledFix | None:
    """The record on ``line``, or None if it is torn or damaged."""
    if not line.endswith(b"\n") or len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        r = json.loads(body)
        fix = Fix(device_id=r["d"], lat=r["la"], lon=r["lo"],
                  fix_time=None if r["t"] is None else datetime.fromisoformat(r["t"]),
                  accuracy_m=r["a"], speed_mps=r["s"], heading_deg=r["h"], altitude_m=r["al"],
                  battery_pct=r["b"], stale_at=None if r["st"] is None else datetime.fromisoformat(r["st"]),
                  protocol=r["p"], attributes=r["at"] or {})
    except (ValueError, KeyError, TypeError):
        return None
    return SpooledFix(fix, r.get("src", ""))


def _fsync_dir(path: Path) -> None:
    """A new or removed file survives a power cut only once its directory is synced."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FixSpool:
    """An append-only, fsync'd, bounded queue of fixes on local disk (one writer thread uses it)."""

    def __init__(self, directory: Path | str, max_fixes: int = DEFAULT_SPOOL_MAX_FIXES):
        self.directory = Path(directory)
        self.max_fixes = max_fixes
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._owner = _lock_directory(self.directory)
        self._lock = threading.Lock()  # `pending` is read by other threads (status, tests)
        self._segments: list[int] = []
        self._counts: dict[int, int] = {}  # segment -> records still to drain
        self._append_file = None
        self._append_segment: int | None = None
        for path in sorted(self.directory.glob(f"*{_SUFFIX}")):
            if path.stem.isdigit():
                seg = int(path.stem)
                self._segments.append(seg)
                self._counts[seg] = sum(1 for _ in self._read(seg, self._done(seg)))
        if self.pending:
            log.warning("spool %s holds %d fixes from an earlier run; they are stored first", self.directory,
                        self.pending)

    # -- state ---------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Fixes acknowledged and not yet committed to the database."""
        with self._lock:
            return sum(self._counts.values())

    def __bool__(self) -> bool:
        """True while anything is left to drain (new fixes must then queue behind it)."""
        return bool(self._segments)

    def _path(self, seg: int, suffix: str = _SUFFIX) -> Path:
        return self.directory / f"{seg:010d}{suffix}"

    def _done(self, seg: int) -> int:
        """The byte offset up to which ``seg`` is committed to the database."""
        try:
            return int(self._path(seg, _DONE).read_text(encoding="ascii").strip() or 0)
        except (OSError, ValueError):
            return 0

    # -- appending (the outage) -------------------------------------------------

    def append(self, items: list[tuple[Fix, str]], now: datetime) -> None:
        """Append fixes (with their senders) and fsync; returns once they survive a crash.

        Raises SpoolFull (nothing written) if they would pass the bound, OSError if the
        disk refuses (nothing acknowledged; the half-written tail is cut off)."""
        if not items:
            return
        if self.pending + len(items) > self.max_fixes:
            raise SpoolFull(f"spool full ({self.max_fixes} fixes)")
        seg = self._segment_for_append()
        data = b"".join(_encode(fix if fix.fix_time is not None else replace(fix, fix_time=now), source)
                        for fix, source in items)
        f = self._append_file
        size = f.tell()
        try:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        except OSError:
            # A torn tail would glue itself to the next record: cut it, or start a new segment.
            try:
                f.truncate(size)
            finally:
                self._close_append()
            raise
        with self._lock:
            self._counts[seg] = self._counts.get(seg, 0) + len(items)

    def _segment_for_append(self) -> int:
        seg = self._append_segment
        if seg is None or self._counts.get(seg, 0) >= _SEGMENT_RECORDS:
            self._close_append()
            seg = (self._segments[-1] + 1) if self._segments else 1
            self._append_file = open(self._path(seg), "ab")
            _fsync_dir(self.directory)
            with self._lock:
                self._segments.append(seg)
                self._counts.setdefault(seg, 0)
            self._append_segment = seg
        return seg

    def _close_append(self) -> None:
        if self._append_file is not None:
            self._append_file.close()
        self._append_file = None
        self._append_segment = None

    # -- draining (the database is back) ------------------------------------------

    def _read(self, seg: int, offset: int, limit: int | None = None) -> Iterator[tuple[SpooledFix | None, int]]:
        """(record, end offset) from ``offset``; None for a torn or damaged line, which was
        never acknowledged. At most ``limit`` good records."""
        good = 0
        try:
            with open(self._path(seg), "rb") as f:
                f.seek(offset)
                for line in f:
                    if limit is not None and good >= limit:
                        return
                    offset += len(line)
                    record = _decode(line)
                    good += record is not None
                    yield record, offset
        except FileNotFoundError:
            return

    def peek(self, limit: int) -> tuple[int, list[SpooledFix], int]:
        """(segment, up to ``limit`` of its oldest undrained fixes in order, the offset after them).

        Hand the segment and offset to :meth:`committed` once the fixes are in the database."""
        if not self._segments:
            return 0, [], 0
        seg = self._segments[0]
        if seg == self._append_segment:
            self._close_append()  # newer fixes go to a new segment while this one drains
        end = self._done(seg)
        out: list[SpooledFix] = []
        for record, end in self._read(seg, end, limit):
            if record is None:
                log.warning("spool %s: a torn or damaged record skipped (it was never acknowledged)",
                            self._path(seg).name)
            else:
                out.append(record)
        return seg, out, end

    def committed(self, seg: int, end: int, count: int) -> None:
        """The ``count`` fixes of ``seg`` up to byte ``end`` are in the database: record it
        durably; a segment drained to its end is deleted."""
        if seg != self._append_segment and end >= self._path(seg).stat().st_size:
            self._path(seg).unlink(missing_ok=True)
            self._path(seg, _DONE).unlink(missing_ok=True)
            _fsync_dir(self.directory)
            with self._lock:
                self._segments.remove(seg)
                self._counts.pop(seg, None)
            return
        tmp = self._path(seg, _DONE + ".tmp")
        with open(tmp, "w", encoding="ascii") as f:
            f.write(str(end))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._path(seg, _DONE))
        _fsync_dir(self.directory)
        with self._lock:
            self._counts[seg] = max(0, self._counts.get(seg, 0) - count)

    def set_aside(self, items: list[tuple[Fix, str]], now: datetime) -> None:
        """Keep fixes the database refuses in ``unstorable`` (same record format), fsync'd:
        acknowledged, so never dropped, but no longer holding up the drain."""
        data = b"".join(_encode(fix if fix.fix_time is not None else replace(fix, fix_time=now), source)
                        for fix, source in items)
        with open(self.directory / "unstorable", "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def close(self) -> None:
        self._close_append()
        if self._owner is not None:
            self._owner.close()  # releases the directory lock
            self._owner = None


def _lock_directory(directory: Path):
    """Hold an exclusive lock on the spool for this process: two servers appending to and
    draining one spool would acknowledge fixes the other deletes."""
    f = open(directory / "lock", "a+b")
    try:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # not POSIX: no lock (one server per spool is then up to the operator)
        return f
    except OSError:
        f.close()
        raise SpoolInUse(f"the spool {directory} is in use by another `gridcommand serve`; "
                         f"give each server its own [live] spool_dir") from None
    return f
