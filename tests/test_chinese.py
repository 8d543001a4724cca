"""Qt's own words in Chinese (message-box buttons, file and print dialogs), and irreversible
questions that default to the safe answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from fupin_desktop.ui import messages
from fupin_desktop.ui.app import install_qt_translations, qt_translations_dir

SPEC = Path(__file__).resolve().parents[1] / "installer" / "fupin-desktop.spec"


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translators = install_qt_translations(qapp)
    assert len(translators) == 3  # qtbase, qt, and the strings they miss (ui/qt_strings.py)
    yield
    for translator in translators:
        qapp.removeTranslator(translator)


def test_qt_ships_the_chinese_translations_the_bundle_keeps() -> None:
    assert (qt_translations_dir() / "qtbase_zh_CN.qm").is_file()
    spec = SPEC.read_text(encoding="utf-8")
    assert '{"qt_zh_CN.qm", "qtbase_zh_CN.qm"}' in spec


def test_standard_buttons_read_in_chinese(qtbot: QtBot, chinese: None) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "请确认",
        "?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Ok,
    )
    qtbot.addWidget(box)
    texts = {button.text().replace("&", "").split("(")[0] for button in box.buttons()}
    assert texts == {"是", "否", "确定"}


def test_an_irreversible_question_answers_no_on_enter(qtbot: QtBot) -> None:
    seen: list[str] = []

    def press_default() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        default = box.defaultButton()
        assert isinstance(default, QPushButton)
        seen.append(default.text())
        default.click()

    QTimer.singleShot(0, press_default)
    assert messages.confirm(None, "删除农户", "删除？", "删除", "不删除") is False
    assert seen == ["不删除"]


def test_open_folder_without_a_file_manager_says_so_and_names_the_folder(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QWidget

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: False))
    parent = QWidget()
    qtbot.addWidget(parent)
    assert messages.open_folder(parent, tmp_path) is False
    box = parent.findChild(QMessageBox)
    assert isinstance(box, QMessageBox)
    assert "没有可以打开文件夹的程序" in box.text() and str(tmp_path) in box.text()


def test_qt_s_own_file_dialog_has_no_english_label(qtbot: QtBot, chinese: None) -> None:
    """Qt 6's "&Look in:" and "Files of &type:" are missing from qtbase_zh_CN.qm; other words still come
    from Qt's files (the supplement answers nothing else)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QFileDialog, QLabel

    dialog = QFileDialog(None, "导入数据包")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    assert labels and all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in labels), labels
    assert QCoreApplication.translate("QAbstractFileIconProvider", "Folder") == "文件夹"
    assert QCoreApplication.translate("QFileDialog", "Back") == "后退"
    assert QCoreApplication.translate("NoSuchContext", "Hello") == "Hello"
