"""Process set-up that must happen before the QApplication exists, and translations."""
from __future__ import annotations

import os
import sys
from importlib import resources

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop.map.schemes import register_schemes

# V8 collects lazily and grew to ~850 MiB after hundreds of live updates unless capped (PLATFORM.md).
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
