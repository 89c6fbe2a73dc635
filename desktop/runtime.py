"""Process set-up that must happen before the QApplication exists, and translations."""
from __future__ import annotations

import os
import sys
from importlib import resources

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop.map.schemes import register_schemes

# V8 collects lazily and grew to ~850 MiB after hundreds of live updates unless capped (docs/platform.md).
CHROMIUM_FLAGS = "--js-flags=--max-old-space-size=128 --disable-background-networking --disable-component-update"


def prepare_process() -> None:
    """Environment for QtWebEngine plus our URL schemes; idempotent."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox refuses to start as root (CI and the command-hall kiosks run as root).
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "--max-old-space-size" not in flags:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " " + CHROMIUM_FLAGS).strip()
    register_schemes()


def application(argv: list[str] | None = None):
    from PySide6.QtWidgets import QApplication

    prepare_process()
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("gridcommand")
        app.setOrganizationName("gridcommand")
    return app


# The wake-up socket pair and its notifier, kept alive for the process's life.
_signal_wakeup: tuple = ()
QUIT_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")


def quit_on_signals(app) -> None:
    """SIGTERM, SIGINT and SIGHUP end the event loop as closing the window does, so the
    shutdown path runs and the database closes cleanly (no SQLite ``-wal`` left behind;
    by default SIGTERM killed the process mid-write).

    Python runs signal handlers only between bytecodes and Qt's loop is C++: the wake-up
    byte Python writes to a socket pair on a signal gives control back to Python."""
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier, QTimer

    global _signal_wakeup
    if _signal_wakeup:
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:  # the handler itself already ran; just empty the socket
        try:
            reader.recv(256)
        except OSError:
            pass

    notifier.activated.connect(drain)

    def handler(signum, _frame) -> None:
        # Through the event loop, not at once: a signal during start-up (before exec())
        # would otherwise be lost, or shut down half-built state that start-up then
        # completes. exit() also ends nested loops, e.g. the one waiting for a screenshot.
        QTimer.singleShot(0, lambda: app.exit(128 + signum))

    for name in QUIT_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)
    _signal_wakeup = (reader, writer, notifier)


_installed: list[QTranslator] = []


def install_translations(language: str) -> bool:
    """Install our translation (and Qt's own, for standard dialogs); English needs none."""
    app = QCoreApplication.instance()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return True
    QLocale.setDefault(QLocale(language))
    ours = QTranslator(app)
    path = resources.files("resources").joinpath("i18n", f"gridcommand_{language}.qm")
    ok = ours.load(str(path))
    if ok:
        app.installTranslator(ours)
        _installed.append(ours)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return ok
