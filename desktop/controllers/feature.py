"""What a map feature's controller shares (patrol duty, work orders, …): it works on the
workspace and the scene for one dock, reloads when the change feed names one of its kinds,
and also on a timer, because its states change with the clock alone (a light turns red, a
visit slot is missed)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from desktop.map.scene import MapScene
    from desktop.workspace import Workspace


class FeatureController(QObject):
    KINDS: frozenset[str] = frozenset()  # change kinds that make it reload
    REFRESH_MS = 60_000

    def __init__(self, workspace: "Workspace", scene: "MapScene", dock, parent=None):
        super().__init__(parent)
        self.ws = workspace
        self.scene = scene
        self.dock = dock
        self._timer = QTimer(self)
        self._timer.setInterval(self.REFRESH_MS)
        self._timer.timeout.connect(self.reload)
        workspace.sig_changed.connect(self._on_kinds_changed)

    def start(self) -> None:
        self.reload()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reload(self) -> None:
        raise NotImplementedError

    def _on_kinds_changed(self, kinds: set) -> None:
        if kinds & self.KINDS:
            self.reload()
