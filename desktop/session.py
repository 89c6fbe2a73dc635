"""Who works at this workstation: the log-in at start, the idle lock, and greying out what
the role lacks. The one helper the UI uses for permissions is ``apply_role``: it
disables the docks whose actions the role lacks (the runner refuses them anyway) and
shows the user and role in the status bar."""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel

DEMO_USER = "演示指挥长 demo commander"
# dock attribute of the main window -> the permission its actions need
DOCK_PERMISSIONS = {
    "intake_dock": "create_incident",
    "dispatch_dock": "dispatch",
    "escalation_dock": "escalate",
    "workorders_dock": "work_orders",
}
_INPUT = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
                    QEvent.Type.TouchBegin})


def demo_actor(workstation: str):
    """`gui --demo`: a commander, labelled as the demo, never asked for a password."""
    from db.operations import Actor

    return Actor.for_role(DEMO_USER, workstation, "commander")


def wall_actor(workstation: str):
    from db.operations import Actor

    return Actor.for_role("大屏 wall", workstation, "wall")


def apply_role(window, actor) -> list[str]:
    """Disable the docks the role may not use; returns their names. Shows who is logged in."""
    disabled = []
    for attr, permission in DOCK_PERMISSIONS.items():
        dock = getattr(window, attr, None)
        if dock is None or dock.widget() is None:
            continue
        allowed = actor.may(permission)
        dock.widget().setEnabled(allowed)
        dock.setToolTip("" if allowed else window.tr("Your role may not do this (%1)").replace("%1", permission))
        if not allowed:
            disabled.append(attr)
    label = getattr(window, "status_user", None)
    if label is None:
        label = window.status_user = QLabel()
        label.setObjectName("status_user")
        window.statusBar().addPermanentWidget(label)
    label.setText(window.tr("User: %1 (%2)").replace("%1", actor.user).replace("%2", actor.role_label))
    return disabled


class IdleLock(QObject):
    """Calls ``lock()`` once no key, mouse or touch input came for ``minutes``."""

    def __init__(self, minutes: float, lock, parent=None, clock=time.monotonic):
        super().__init__(parent)
        self.limit_s = minutes * 60
        self._lock = lock
        self._clock = clock
        self.last_input = clock()
        self.locked = False
        self.timer = QTimer(self, interval=5000)
        self.timer.timeout.connect(self.check)
        if self.limit_s > 0:
            QApplication.instance().installEventFilter(self)
            self.timer.start()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in _INPUT:
            self.last_input = self._clock()
        return False

    def check(self) -> None:
        if self.locked or self.limit_s <= 0 or self._clock() - self.last_input < self.limit_s:
            return
        self.locked = True
        try:
            self._lock()
        finally:
            self.locked = False
            self.last_input = self._clock()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
