"""The composition for a replay window: its workspace (replay clock, read-only runner,
history source), its own map scene and view, the window and the replay controller.
It stands beside the live window (File → 回放 opens one, ``open_beside``; several may
run at once) or alone (`gridcommand gui --replay`, ``desktop.replay.run``).

Start-up: the window shows at once (with the page built last time for this database,
if any); the history is read in the background with its progress in the status bar;
then the page is brought up to date and the first frame drawn."""
from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from core.replay_frame import ReplayRequest, check_request
from core.settings import Settings
from desktop.workspace import Place

log = logging.getLogger(__name__)


class ReplayApp(QObject):
    sig_startup_completed = Signal()  # history loaded, page current, first frame drawn
    sig_startup_failed = Signal(str)
    sig_closed = Signal()

    def __init__(self, settings: Settings, place: Place, start: datetime, end: datetime, engine=None,
                 incident_id: int | None = None, actor=None, parent=None):
        super().__init__(parent)
        from db.config import data_dir
        from desktop.controllers.map_data import MapDataController
        from desktop.map.page_cache import PageCache
        from desktop.map.scene import MapScene
        from desktop.map.view import make_map_view
        from desktop.replay.controller import ReplayController
        from desktop.replay.window import ReplayWindow
        from desktop.replay.workspace import ReplayWorkspace

        self.settings = settings
        self.place = place
        self._engine = engine
        self.focus_incident = incident_id
        self.interactive = True  # False: nobody is there to click a dialog away (screenshots)
        self.embedded = None  # take_screenshot's question: no simulator in a replay
        self.ws = ReplayWorkspace(settings, place, start, end, actor=actor, parent=self)
        self.scene = MapScene(settings, self.ws.live, parent=self)
        self.map_view = make_map_view(settings)
        self.scene.add_view(self.map_view)
        self.window = ReplayWindow(settings, self.map_view, self.ws.docks_live, start, end)
        # The same page cache as the live window: the city's page shows while history loads.
        self.page_cache = PageCache(data_dir() / "page-cache", f"{place.db_url}|{place.language}")
        self.map_data = MapDataController(self.ws, self.scene, None, self.page_cache, self)
        self.controller = ReplayController(self.ws, self.scene, self.window, self)
        self.ws.sig_message.connect(self.window.show_message)
        self.ws.sig_load_progress.connect(self.window.show_progress)
        self._begun = False
        self._closed = False
        self.window.sig_closed.connect(self._on_window_closed)
        self._pending = {"history", "page"}
        self.map_data.sig_page_current.connect(lambda: self._stage_done("page"))
        cached = self.page_cache.load()
        if cached is not None:
            self.scene.load_page(*cached)

    @property
    def live(self):
        return self.ws.live

    def complete_startup(self) -> None:
        """Read the window in the background (once, whoever asks first)."""
        if self._begun:
            return
        self._begun = True
        self.ws.load(self._on_loaded, self._on_failed, engine=self._engine)

    start = complete_startup

    def _on_loaded(self, loaded) -> None:
        self.map_data.apply_layers(loaded.layers)
        source = loaded.source
        self.window.show_loaded(len(source.index), len(source.history.incidents))
        self.controller.start(source)
        if self.focus_incident is not None and self.controller.jump_to_incident(self.focus_incident):
            # Complete (and a screenshot taken) once the what-if's choices are listed.
            self._pending.add("whatif")
            self.controller.sig_ranking_ready.connect(lambda _id: self._stage_done("whatif"))
        self._stage_done("history")

    def _on_failed(self, exc: BaseException) -> None:
        log.error("replay could not load: %s", exc)
        self.sig_startup_failed.emit(f"replay could not load: {exc}")
        if self.interactive:  # a screenshot run says it on stderr; a dialog would wait for a click
            self.ws.report(exc)

    def _stage_done(self, stage: str) -> None:
        if stage in self._pending:
            self._pending.discard(stage)
            if not self._pending:
                self.sig_startup_completed.emit()

    def _on_window_closed(self) -> None:
        """Closed by the user: stop, and let the page go once the close event is over."""
        if self._closed:
            return
        self._closed = True
        self.controller.stop()
        self.ws.close()
        QTimer.singleShot(0, self.map_view.dispose)
        self.sig_closed.emit()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.controller.stop()
            self.ws.close()
            self.window.close()
            self.sig_closed.emit()
        self.map_view.dispose()


def open_beside(live_app) -> "ReplayApp | None":
    """File → 回放 in the live window: ask what to replay, open it beside the live map
    on the same database (read-only). Several may be open at once."""
    from core.incidents import FieldError
    from desktop.errors import UserMessage
    from desktop.replay.open_dialog import ReplayDialog

    window = live_app.window
    title = QCoreApplication.translate("ReplayApp", "Replay")
    engine = live_app.ws.engine
    if engine is None:
        window.show_message(UserMessage("info", title, QCoreApplication.translate(
            "ReplayApp", "The database is not open yet; try again in a moment.")))
        return None
    dialog = ReplayDialog(live_app.settings.ui.timezone, parent=window)
    if not dialog.exec():
        return None
    try:
        start, end, incident_id = resolve_window(dialog.request, engine)
    except FieldError as exc:
        window.show_message(UserMessage("warning", title, str(exc)))
        return None
    app = ReplayApp(live_app.settings, live_app.place, start, end, engine=engine, incident_id=incident_id,
                    actor=live_app.ws.actor)
    replays = live_app.replays
    replays.append(app)
    app.sig_closed.connect(lambda: app in replays and replays.remove(app))
    app.window.show()
    app.start()
    return app


def resolve_window(options: ReplayRequest, engine) -> tuple[datetime, datetime, int | None]:
    """(start, end, incident id or None) from the options: --from/--to, or --incident."""
    from core.incidents import FieldError

    if options.incident is not None:
        from sqlalchemy import or_, select

        from db.engine import session_factory
        from db.models import Incident
        from desktop.replay.workspace import incident_window

        start, end = incident_window(engine, options.incident)
        with session_factory(engine)() as session:
            clause = Incident.number == options.incident
            if options.incident.isdigit():
                clause = or_(clause, Incident.id == int(options.incident))
            incident_id = session.scalar(select(Incident.id).where(clause))
        return start, end, incident_id
    problem = check_request(options)
    if problem:
        field, _, text = problem.partition(": ")
        raise FieldError(field, text)
    return options.start, options.end, None
