"""The replay workspace: what a replay window shares, as ``desktop.workspace.Workspace``
holds it for the live window — the database, who is working, the code tables and
layers, the background helpers — with a replay clock in place of the system clock,
a **read-only** operation runner (every write is refused: a replay shows history, it
never changes it) and the history source (``core.replay_frame.ReplaySource``) in
place of the change feed.

One write is allowed, on purpose and by name: storing a trainee's what-if score
(``db.drill_ops.record_what_if``) so that `gridcommand drill report` lists it. It goes
through its own runner (``training_runner``), stamped with the real time, never
through ``runner``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core.playback import ReplayClock
from core.replay_frame import ReplaySource
from core.settings import Settings
from desktop.workspace import Place, Workspace

if TYPE_CHECKING:
    from db.operations import Actor, OperationRunner


@dataclass(frozen=True)
class LoadedHistory:
    """What the background load read once: the engine, vocabularies, layers and the source."""

    engine: Any
    code_tables: dict
    layers: dict
    source: ReplaySource


class _ProgressRelay(QObject):
    # Emitted on the worker thread that loads; delivered on the GUI thread.
    sig_progress = Signal(int, float)  # fixes loaded so far, fraction of the window done


def load_replay(place: Place, start: datetime, end: datetime, progress=None, engine=None) -> LoadedHistory:
    """Open the database and read the window ``[start, end]``: the roster (who each unit
    is), the code tables, the static layers, the incidents, the patrol check-ins and every
    fix. Off the GUI thread."""
    from db.code_tables_repo import load_code_tables
    from db.engine import session_factory
    from db.history import load_source
    from db.places_repo import load_all_layers
    from desktop.workspace import open_database

    eng = engine if engine is not None else open_database(place)
    with session_factory(eng)() as session:
        tables = load_code_tables(session)
        layers = load_all_layers(session)
        source = load_source(session, start, end, progress=progress)
    return LoadedHistory(eng, tables, layers, source)


def incident_window(engine, incident: str, before_min: float = 10, after_min: float = 50) -> tuple[datetime, datetime]:
    """The window around one incident (number or id): from ``before_min`` before it was
    received to ``after_min`` after, or to its close if later (at most 6 h)."""
    from datetime import timedelta

    from sqlalchemy import select

    from core.incidents import FieldError
    from db.engine import session_factory
    from db.models import Incident

    with session_factory(engine)() as session:
        query = select(Incident.received_at, Incident.closed_at, Incident.cancelled_at)
        row = session.execute(query.where(Incident.number == incident)).first()
        if row is None and incident.isdigit():
            row = session.execute(query.where(Incident.id == int(incident))).first()
    if row is None:
        raise FieldError("incident", f"no incident {incident}")
    received, closed, cancelled = (_aware(v) for v in row)
    ended = closed or cancelled
    end = received + timedelta(minutes=after_min)
    if ended is not None and ended > end:
        end = min(ended + timedelta(minutes=5), received + timedelta(hours=6))
    return received - timedelta(minutes=before_min), end


def _aware(value):
    from datetime import timezone

    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class ReplayWorkspace(Workspace):
    sig_load_progress = Signal(int, float)

    def __init__(self, settings: Settings, place: Place, start: datetime, end: datetime,
                 actor: "Actor | None" = None, parent=None):
        super().__init__(settings, place, clock=ReplayClock(start, end), actor=actor, parent=parent)
        self.source: ReplaySource | None = None
        # The units board and unit card read their own copy, refreshed a few times a second
        # while playing (every frame moves every unit; a table needs no 30 updates a second).
        from desktop.live.live_model import LiveModel

        self.docks_live = LiveModel(settings.live.stale_after_s, clock=self.clock, parent=self)
        self._relay = _ProgressRelay(self)
        self._relay.sig_progress.connect(self.sig_load_progress.emit)

    @property
    def replay_clock(self) -> ReplayClock:
        return self.clock  # type: ignore[return-value]

    def attach(self, engine) -> None:
        from db.operations import OperationRunner

        super().attach(engine)
        self.runner = OperationRunner(engine, self.actor, clock=self.clock, read_only=True)

    def set_actor(self, actor: "Actor") -> None:
        """A new actor (a log-in) keeps the replay read-only."""
        from db.operations import OperationRunner

        self._actor = actor
        if self.engine is not None:
            self.runner = OperationRunner(self.engine, actor, clock=self.clock, read_only=True)
        self.sig_actor_changed.emit(actor)

    def training_runner(self) -> "OperationRunner":
        """The one runner a replay may write through: a what-if's score (real time)."""
        from db.operations import OperationRunner

        return OperationRunner(self.engine, self.actor)

    def close(self) -> None:
        self.docks_live.stop()
        super().close()

    def load(self, on_done, on_error, engine=None) -> None:
        """Read the window in the background; ``sig_load_progress`` tells how far it got."""
        place, clock, relay = self.place, self.replay_clock, self._relay
        self.run_task(lambda: load_replay(place, clock.start, clock.end, relay.sig_progress.emit, engine),
                      lambda loaded: (self._adopt(loaded), on_done(loaded)), on_error)

    def _adopt(self, loaded: LoadedHistory) -> None:
        if self.engine is None:
            self.attach(loaded.engine)
        self.set_code_tables(loaded.code_tables)
        self.source = loaded.source
