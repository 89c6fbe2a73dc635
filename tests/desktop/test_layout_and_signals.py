from PySide6.QtCore import QObject, Qt, Signal

from desktop.main_window import MainWindow
from desktop.map.view import MapView


def test_dock_layout_survives_a_restart(qtbot, settings):
    first_view = MapView()
    first = MainWindow(settings, first_view)
    qtbot.addWidget(first)
    first.show()
    first.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, first.layers_dock)
    first.remember_layout()
    assert settings.ui.window_state
    second_view = MapView()
    second = MainWindow(settings, second_view)
    qtbot.addWidget(second)
    second.restore_layout()
    second.show()
    assert second.dockWidgetArea(second.layers_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    first_view.dispose()
    second_view.dispose()


class _Emitter(QObject):
    sig_value_changed = Signal(bool)


def test_ten_thousand_signal_emits_do_not_crash(qtbot):
    """PySide6 6.12.0 on Python 3.11 aborts after a few thousand emits (docs/platform.md);
    this fails loudly if a bad version slips past the pin."""
    emitter = _Emitter()
    received = []
    emitter.sig_value_changed.connect(received.append)
    for i in range(10_000):
        emitter.sig_value_changed.emit(i % 2 == 0)
    assert len(received) == 10_000 and received[0] is True and received[1] is False
