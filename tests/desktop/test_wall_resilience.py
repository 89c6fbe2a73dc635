"""The wall on a read-only PostgreSQL login: figures and ticker from the database; when
the database refuses connections a red banner with the time of the loss, the last state
greyed with its age, no dialog; and it comes back by itself once connections are allowed."""
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from tests.wall_samples import ScratchPostgres

pytestmark = [pytest.mark.webengine, pytest.mark.postgres]


@pytest.fixture
def scratch(pg_database):
    db = ScratchPostgres(pg_database, datetime.now(timezone.utc) - timedelta(minutes=1))
    yield db
    db.allow_connections(True)
    db.drop()


def _no_dialogs() -> bool:
    return not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def test_outage_banner_greyed_state_and_reconnect_without_restart(qtbot, qapp, scratch):
    from core.settings import Settings
    from desktop.app import GuiOptions
    from desktop.wall.app import WallApp

    settings = Settings()
    settings.wall.refresh_s = 1
    settings.wall.reconnect_max_s = 2
    app = WallApp(settings, GuiOptions(db_url=scratch.reader_url, wall=True, save_settings=False))
    qtbot.addWidget(app.window)
    app.window.resize(1920, 1080)
    app.window.show()
    ctl, win = app.controller, app.window
    try:
        with qtbot.waitSignal(ctl.sig_refreshed, timeout=60000):
            app.complete_startup()
        shown = win.kpi.values["incidents"].text()
        if datetime.now(timezone(timedelta(hours=8))).hour >= 1:  # the samples are "this morning" after 01:00
            assert shown == "2 / 1"
        assert win.banner.isHidden() and win.veil.isHidden()

        with qtbot.waitSignal(ctl.sig_link_changed, timeout=30000, check_params_cb=lambda up: up is False):
            scratch.allow_connections(False)
        assert win.banner.isVisible() and win.banner.kind == "lost"
        lost_at = ctl.lost_since.astimezone(timezone(timedelta(hours=8))).strftime("%H:%M")
        assert lost_at in win.banner.text()
        assert win.veil.isVisible() and win.veil.text()  # the map greyed, with the data's age
        assert win.kpi.values["incidents"].text() == shown  # the last state stays…
        assert win.kpi.values["incidents"].property("role") == "muted"  # …greyed
        qtbot.waitUntil(lambda: ctl.attempt >= 3, timeout=30000)  # backing off: 1 s, 2 s, …
        assert win.banner.kind == "lost" and _no_dialogs()  # still a banner, never a dialog

        with qtbot.waitSignal(ctl.sig_link_changed, timeout=30000, check_params_cb=lambda up: up is True):
            scratch.allow_connections(True)
        qtbot.waitUntil(lambda: win.banner.isHidden() and win.veil.isHidden(), timeout=10000)
        with qtbot.waitSignal(ctl.sig_refreshed, timeout=30000):
            pass
        assert win.kpi.values["incidents"].property("role") == ""
        assert _no_dialogs()
    finally:
        app.stop_live()
        app.window.close()
        app.map_view.dispose()
