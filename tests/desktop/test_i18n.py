"""Chinese by default, English on request, and the compiled .qm in step with the .ts."""
from importlib import resources
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QCoreApplication

from desktop.main_window import MainWindow
from desktop.runtime import install_translations

I18N = resources.files("resources").joinpath("i18n")


@pytest.fixture
def restore_language(qapp):
    yield
    install_translations("en")


def test_every_message_is_translated():
    tree = ElementTree.parse(str(I18N.joinpath("gridcommand_zh_CN.ts")))
    untranslated = [m.findtext("source") for m in tree.iter("message")
                    if m.find("translation").get("type") == "unfinished"
                    or not "".join(m.find("translation").itertext()).strip()]
    assert untranslated == []


def test_compiled_translation_is_up_to_date(tmp_path):
    import sys

    sys.path.insert(0, str(resources.files("resources").parent))
    from tools.i18n import release

    fresh = release(tmp_path)[0].read_bytes()
    assert fresh == I18N.joinpath("gridcommand_zh_CN.qm").read_bytes(), "run: python tools/i18n.py release"


def test_chinese_is_the_default_and_english_is_available(qtbot, settings, restore_language):
    from desktop.map.view import MapView

    assert settings.ui.language == "zh_CN"
    assert install_translations("zh_CN")
    view = MapView()
    window = MainWindow(settings, view)
    qtbot.addWidget(window)
    assert window.windowTitle() == "城警联勤网格指挥图"
    assert window.layers_dock.windowTitle() == "图层"
    assert QCoreApplication.translate("labels", "Must-visit points") == "必到点"
    install_translations("en")
    assert QCoreApplication.translate("labels", "Must-visit points") == "Must-visit points"
    view.dispose()
