"""The adapter contract shared by every layer adapter."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.map.scene import MapScene
    from desktop.map.view import MapView


class LayerAdapter:
    def __init__(self, scene: "MapScene"):
        self.scene = scene

    @property
    def shift(self):
        return self.scene.shift

    def replay(self, view: "MapView") -> None:
        """Send this layer's whole state to a freshly loaded view."""
        raise NotImplementedError

    def _call(self, function: str, *args, view: "MapView | None" = None) -> None:
        self.scene.call(function, *args, view=view)
