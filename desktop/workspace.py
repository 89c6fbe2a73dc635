"""The workspace: what every part of the desktop shares about *where* it works.

The database (engine, sessions, the one operation runner), who is working (the
actor), the clock (the system clock today, a replay clock later), the code tables,
the static layers, the live model and the settings resolved once (database URL,
language, time zone). Background helpers ``run_query`` / ``run_op`` / ``run_task``
keep every query, ranking and page build off the GUI thread (Anki's
QueryOp/CollectionOp); errors become user messages in one place (``desktop.errors``).

Controllers get the workspace and a map scene; nothing here knows a widget."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QObject, Signal

from core.clock import Clock, SystemClock
from core.layers import LayerFeature
from core.link_state import LinkState
from core.settings import Settings
from desktop.errors import UserMessage, message_for, outage_reason
from desktop.live.live_model import LiveModel
from desktop.tasks import TaskRunner

if TYPE_CHECKING:  # SQLAlchemy is loaded once the database opens, not on the first-frame path
    from db.operations import Actor, OperationRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where this workspace works, resolved once from options, environment and settings."""

    db_url: str
    language: str  # zh_CN | en
    timezone: str
    demo: bool = False
    theme: str = "light"


def resolve_place(settings: Settings, db_url: str | None = None, demo: bool = False,
                  language: str | None = None, theme: str | None = None) -> Place:
    """The one place options, the environment and settings are resolved: the database URL
    (--db, $GRIDCOMMAND_DB, the settings file, the local SQLite file), the language and theme
    (an option, else the settings) and the time zone."""
    from db.config import demo_db_url, resolve_db_url

    url = db_url or (demo_db_url() if demo else resolve_db_url(None, settings))
    return Place(db_url=url, language=language or settings.ui.language, timezone=settings.ui.timezone, demo=demo,
                 theme=theme or settings.ui.theme)


def open_database(place: Place):
    """Open (and for the embedded SQLite file, migrate; for the demo, seed) the database.
    A shared PostgreSQL is migrated by its administrator with `gridcommand db upgrade`."""
    from db.engine import DatabaseUnavailable, describe, is_sqlite, open_engine, session_factory
    from db.migrate import is_up_to_date, upgrade

    engine = open_engine(place.db_url)
    if is_sqlite(engine) or place.demo:
        upgrade(engine)
    elif not is_up_to_date(engine):
        raise DatabaseUnavailable(f"{describe(place.db_url)}: the schema is not at the current revision; "
                                  "run `gridcommand db upgrade --db URL` first")
    if place.demo:
        from db.models import Grid
        from db.operations import OperationRunner

        with session_factory(engine)() as session:
            empty = session.query(Grid.id).first() is None
        if empty:
            from db.seed import seed_demo

            seed_demo(OperationRunner(engine))
    return engine


class Workspace(QObject):
    sig_changed = Signal(set)  # change kinds ("incidents", "units", "grids"…) from any workstation
    sig_layers_loaded = Signal()  # ``layers`` was replaced
    sig_message = Signal(object)  # a UserMessage for the window (a dialog) or the wall (a banner)
    sig_feed_status = Signal(object)  # None: connected; str: why live data stopped
    sig_actor_changed = Signal(object)  # the Actor now working here (log-in, idle lock)
    sig_link_changed = Signal(object)  # datetime: the database is unreachable since then; None: it answers

    def __init__(self, settings: Settings, place: Place, clock: Clock | None = None, actor: "Actor | None" = None,
                 parent=None):
        super().__init__(parent)
        self.settings = settings
        self.place = place
        self.clock: Clock = clock or SystemClock()
        self._actor = actor
        self.engine = None
        self.sessions = None
        self.runner: "OperationRunner | None" = None
        self.code_tables: dict = {}
        self.layers: dict[str, list[LayerFeature]] = {}
        self.live = LiveModel(settings.live.stale_after_s, clock=self.clock, parent=self)
        self.tasks = TaskRunner(self)
        self.tasks.default_error = self.report
        self.feed_worker = None
        # Whether the database answers: the runner refuses writes at once while it does not.
        self.link = LinkState()

    # --- what is resolved once -------------------------------------------------------
    @property
    def language(self) -> str:
        return self.place.language

    @property
    def timezone(self) -> str:
        return self.place.timezone

    @property
    def actor(self) -> "Actor":
        if self._actor is None:
            from db.operations import Actor

            actor = Actor.local()
            if self.settings.ui.workstation:
                actor = Actor(actor.user, self.settings.ui.workstation)
            self._actor = actor
        return self._actor

    def set_actor(self, actor: "Actor") -> None:
        """Who works here from now on; the runner acts as them (their role's permissions)."""
        self._actor = actor
        if self.engine is not None:
            from db.operations import OperationRunner

            self.runner = OperationRunner(self.engine, actor, clock=self.clock)
        self.sig_actor_changed.emit(actor)

    def may(self, permission: str) -> bool:
        return self.actor.may(permission)

    def log_in(self, username: str, password: str) -> "Actor":
        """The actor for ``username`` (LoginRefused otherwise); the attempt is recorded."""
        from db.users_repo import log_in

        return log_in(self.engine, username, password, self.settings.ui.workstation or None,
                      self.settings.security, self.clock)

    def now(self):
        return self.clock.now()

    # --- the database ----------------------------------------------------------------
    def attach(self, engine) -> None:
        from db.engine import session_factory
        from db.operations import OperationRunner

        self.engine = engine
        self.sessions = session_factory(engine)
        self.runner = OperationRunner(engine, self.actor, clock=self.clock, link=self.link)

    def set_code_tables(self, tables: dict) -> None:
        self.code_tables = tables

    def set_layers(self, layers: dict[str, list[LayerFeature]]) -> None:
        self.layers = layers
        self.sig_layers_loaded.emit()

    def grid_names(self) -> dict[str, str]:
        return {g.code: g.name for g in self.layers.get("grids", [])}

    # --- background work -------------------------------------------------------------
    def run_task(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None, key: str | None = None) -> None:
        """A pure computation (ranking, isochrones, a page build) off the GUI thread."""
        self.tasks.submit(fn, on_done, on_error, key)

    def run_query(self, fn: Callable[[Any], Any], on_done: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None, key: str | None = None) -> None:
        """``fn(session)`` reads the database off the GUI thread."""
        sessions = self.sessions

        def read():
            with sessions() as session:
                return fn(session)

        self.tasks.submit(read, on_done, on_error, key)

    def run_op(self, fn: Callable[["OperationRunner"], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> None:
        """One write through the operation runner, off the GUI thread. On success the change
        feed is woken, so every view refreshes once, from the change rows the write left."""
        runner = self.runner

        def done(result):
            self.wake_feed()
            if on_done is not None:
                on_done(result)

        self.tasks.submit(lambda: fn(runner), done, on_error or self.report)

    def report(self, exc: BaseException) -> UserMessage:
        """Tell the user what went wrong, in words; nothing fails silently."""
        from db.engine import is_connection_error

        if is_connection_error(exc):
            self.link_lost(outage_reason(exc))  # before the dialog, so the banner is already up
        message = message_for(exc, self.timezone)
        self.sig_message.emit(message)
        return message

    # --- the database link -------------------------------------------------------------
    def link_lost(self, reason: str) -> None:
        """The database did not answer (a write, a read, the change feed)."""
        if self.link.lost(self.now(), reason):
            self.sig_link_changed.emit(self.link.lost_since)

    def link_restored(self) -> None:
        """The database answered again: writes are allowed, live data is read again."""
        if self.link.restored():
            self.sig_link_changed.emit(None)
            self.wake_feed()

    # --- the change feed -------------------------------------------------------------
    def start_feed(self, feed=None, roster=None, prepare: Callable[[], Callable] | None = None) -> None:
        """The roster (read in the background at start-up, or here), then the change feed on
        its worker thread. ``prepare()`` makes, once the roster is loaded, what the worker
        runs on each batch (e.g. serialising map rows off the GUI thread)."""
        from db.change_feed import ChangeFeed
        from desktop.live.feed_worker import FeedWorker

        if feed is None:
            feed = ChangeFeed(self.engine)
            roster = feed.snapshot()
        self.live.load(roster)
        self.feed_worker = FeedWorker(feed, parent=self, prepare=prepare() if prepare is not None else None)
        self.feed_worker.sig_batch_received.connect(self.live.apply)
        self.feed_worker.sig_feed_failed.connect(self.sig_feed_status.emit)
        self.feed_worker.sig_feed_recovered.connect(lambda: self.sig_feed_status.emit(None))
        self.live.sig_kinds_changed.connect(self.sig_changed.emit)
        self.feed_worker.start()
        self.sig_feed_status.emit(None)

    def wake_feed(self) -> None:
        if self.feed_worker is not None:
            self.feed_worker.feed.wake()

    def stop_feed(self) -> None:
        if self.feed_worker is not None:
            # Batches already queued towards the GUI thread must not land on a dead page.
            self.feed_worker.sig_batch_received.disconnect(self.live.apply)
            self.feed_worker.stop()
            self.feed_worker = None
        self.live.stop()

    def close(self) -> None:
        self.stop_feed()
        self.tasks.close()
