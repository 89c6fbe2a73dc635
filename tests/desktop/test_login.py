"""The log-in dialog, the idle lock and the role's greyed-out docks, without blocking on
a dialog loop: ``try_log_in`` is what the OK button runs."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget

from db.operations import Actor, OperationRunner, PermissionDenied
from db.users_repo import add_user, log_in
from desktop.login_dialog import LoginDialog
from desktop.session import DEMO_USER, DOCK_PERMISSIONS, IdleLock, apply_role

PASSWORD = "a good long password"


@pytest.fixture
def user_engine(tmp_path):
    from db.engine import make_engine
    from db.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'users.sqlite'}")
    upgrade(engine)
    add_user(OperationRunner(engine, Actor("admin", "ws")), "zhang", "dispatcher", PASSWORD)
    yield engine
    engine.dispose()


def test_a_wrong_password_says_so_and_the_right_one_logs_in(qtbot, user_engine):
    dialog = LoginDialog(lambda name, password: log_in(user_engine, name, password, "ws-3"))
    qtbot.addWidget(dialog)
    dialog.username.setText("zhang")
    dialog.password.setText("not it at all")
    assert dialog.try_log_in() is False
    assert "wrong user name or password" in dialog.error.text() and dialog.password.text() == ""
    assert dialog.result() != LoginDialog.DialogCode.Accepted
    dialog.password.setText(PASSWORD)
    assert dialog.try_log_in() is True
    assert dialog.result() == LoginDialog.DialogCode.Accepted and dialog.password.text() == ""
    assert (dialog.actor.user, dialog.actor.role, dialog.actor.workstation) == ("zhang", "dispatcher", "ws-3")


def test_an_sql_looking_name_is_just_a_wrong_name(qtbot, user_engine):
    dialog = LoginDialog(lambda name, password: log_in(user_engine, name, password))
    qtbot.addWidget(dialog)
    dialog.username.setText("zhang' OR '1'='1")
    dialog.password.setText(PASSWORD)
    assert dialog.try_log_in() is False and "wrong user name or password" in dialog.error.text()


def _window() -> QMainWindow:
    window = QMainWindow()
    for attr in DOCK_PERMISSIONS:
        dock = QDockWidget(attr, window)
        dock.setWidget(QWidget())
        setattr(window, attr, dock)
    return window


@pytest.mark.parametrize("role,disabled", [
    ("wall", set(DOCK_PERMISSIONS)),
    ("dispatcher", {"escalation_dock", "workorders_dock"}),
    ("commander", set()),
    ("grid_officer", {"intake_dock", "dispatch_dock", "escalation_dock"}),
])
def test_docks_a_role_may_not_use_are_greyed_out(qtbot, role, disabled):
    window = _window()
    qtbot.addWidget(window)
    actor = Actor.for_role("li", "ws", role)
    assert set(apply_role(window, actor)) == disabled
    for attr in DOCK_PERMISSIONS:
        assert getattr(window, attr).widget().isEnabled() == (attr not in disabled)
    assert "li" in window.status_user.text()


def test_the_idle_lock_fires_after_the_idle_time_and_input_postpones_it(qtbot):
    now = [0.0]
    locks = []
    lock = IdleLock(1.0, lambda: locks.append(now[0]), clock=lambda: now[0])
    now[0] = 50
    lock.check()
    assert locks == []
    widget = QWidget()
    qtbot.addWidget(widget)
    QApplication.sendEvent(widget, QMouseEvent(QEvent.Type.MouseButtonPress, QPointF(1, 1), QPointF(1, 1),
                                               Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                                               Qt.KeyboardModifier.NoModifier))
    now[0] = 100  # 50 s after the click
    lock.check()
    assert locks == []
    now[0] = 111
    lock.check()
    assert locks == [111]
    lock.stop()


def test_the_demo_is_a_labelled_commander_and_a_login_sets_the_runner(qtbot, demo_engine, settings, monkeypatch):
    from core.incidents import DispatchRequest  # noqa: F401 (the incident loop's vocabulary is loaded)
    from db.incident_ops import create_incident, escalate
    from desktop.app import GridCommandApp, GuiOptions

    app = GridCommandApp(settings, GuiOptions(save_settings=False, demo=True, embedded_feeds=False),
                         engine=demo_engine)
    qtbot.addWidget(app.window)
    try:
        assert app.settle_actor(needs_login=False)
        assert (app.ws.runner.actor.user, app.ws.runner.actor.role) == (DEMO_USER, "commander")
        assert "demo commander" in app.window.status_user.text()

        app.options = GuiOptions(save_settings=False)
        dispatcher = Actor.for_role("zhang", "ws", "dispatcher")
        monkeypatch.setattr(app, "ask_login", lambda locked=False: dispatcher)
        assert app.settle_actor(needs_login=True)
        assert app.ws.runner.actor == dispatcher and not app.window.escalation_dock.widget().isEnabled()
        incident, _ = create_incident(app.ws.runner, lon=112.08, lat=32.6795, category="dispute")
        with pytest.raises(PermissionDenied):  # the runner refuses whatever the UI shows
            escalate(app.ws.runner, incident.id, to_tier=2, reason="r", expected_version=incident.version)
        app.idle_lock.stop()

        monkeypatch.setattr(app, "ask_login", lambda locked=False: None)
        assert app.settle_actor(needs_login=True) is False  # cancelled: start-up stops
    finally:
        app.stop_live()
        app.window.close()
        app.map_view.dispose()
