"""Qt's own words in Chinese (message-box buttons, file and print dialogs), and irreversible
questions that default to the safe answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from fupin_desktop.ui import messages
from fupin_desktop.ui.app import install_qt_translations, load_bundled_fonts, qt_translations_dir

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


FILE_DIALOG_DATES = """
import os, sys, time
from datetime import datetime
from pathlib import Path
from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import QFileSystemModel
from fupin_desktop.ui.app import make_application

app = make_application()
folder = Path(sys.argv[1])
moment = datetime(2026, 12, 1, 9, 30).timestamp()
os.utime(folder / "数据包.fupinpkg", (moment, moment))
model = QFileSystemModel()  # what Qt's own file dialog lists, with its 大小 and 修改日期 columns
root = model.setRootPath(str(folder))
deadline = time.monotonic() + 20
while model.rowCount(root) == 0 and time.monotonic() < deadline:
    app.processEvents()
row = model.index(0, 0, root)
print(QLocale().name(), QLocale().toString(QDate(2026, 12, 1), QLocale.FormatType.LongFormat))
print(model.index(row.row(), 3, root).data())
"""


@pytest.mark.parametrize("environment", [{"LANG": "C.UTF-8"}, {"LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"}])
def test_dates_read_in_chinese_in_qt_s_own_file_dialog(tmp_path: Path, environment: dict[str, str]) -> None:
    """On a computer left at C or English, Qt's file dialog showed 修改日期 as "1 12 2026": it formats with the
    system locale, whose time category the program now makes Chinese before the application starts."""
    import os
    import subprocess
    import sys

    (tmp_path / "数据包.fupinpkg").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE")}
    env.update(environment, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", FILE_DIALOG_DATES, str(tmp_path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    default, modified = done.stdout.splitlines()
    assert default.startswith("zh_CN 2026年12月1日")
    assert modified.startswith("2026/12/1 09:30")


def test_the_chinese_locale_leaves_a_chinese_environment_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from PySide6.QtCore import QDate, QLocale

    from fupin_desktop.ui.qt_strings import use_chinese_locale

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("LC_TIME", "zh_TW.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    use_chinese_locale()
    assert os.environ["LC_TIME"] == "zh_TW.UTF-8" and "LC_MESSAGES" not in os.environ
    assert QLocale().name() == "zh_CN"
    assert QLocale().toString(QDate(2026, 12, 1), QLocale.FormatType.ShortFormat) == "2026/12/1"

    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    monkeypatch.delenv("LC_TIME")
    use_chinese_locale()  # an English LC_ALL gives way: it becomes LANG, and the dates are Chinese
    assert "LC_ALL" not in os.environ and os.environ["LANG"] == "en_US.UTF-8"
    assert os.environ["LC_TIME"] == "zh_CN.UTF-8"


def _settings_where_they_were() -> None:
    from PySide6.QtCore import QStandardPaths

    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, home)


def test_qt_s_own_file_dialog_shows_sizes_and_places_in_chinese_whole(
    qtbot: QtBot, chinese: None, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Sizes under 1 KB read "512 字节", not "0 bytes" or "512…tes"; larger ones 3 KB and 2.4 MB under 大小; our
    package files say 数据包; and each place on the left (计算机, the home folder) is readable whole."""
    from PySide6.QtCore import QDir, QModelIndex, Qt, QUrl, qVersion
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QFileDialog, QListView, QTreeView

    settings = tmp_path / "settings"  # Qt remembers the dialog's sidebar width: start from a narrow one
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, str(settings))
    request.addfinalizer(_settings_where_they_were)
    remembered = QSettings(QSettings.Scope.UserScope, "QtProject")
    remembered.setValue("FileDialog/qtVersion", qVersion())
    remembered.setValue("FileDialog/shortcuts", ["file:", QUrl.fromLocalFile(QDir.homePath()).toString()])
    remembered.setValue("FileDialog/sidebarWidth", 40)
    remembered.sync()
    folder = tmp_path / "files"
    folder.mkdir()
    for name, size in (("小.fupinpkg", 512), ("空.fupinpkg", 0), ("三千.xlsx", 3000), ("大.fupinpkg", 2_500_000)):
        (folder / name).write_bytes(b"\0" * size)
    (folder / "子文件夹").mkdir()
    dialog = QFileDialog(None, "导入数据包", str(folder))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    family = load_bundled_fonts()
    assert family is not None
    dialog.setFont(QFont(family, 10))  # the program's font, as make_application sets it
    qtbot.addWidget(dialog)
    dialog.resize(611, 421)  # as Qt opens it
    dialog.show()
    qtbot.waitExposed(dialog)
    files = dialog.findChild(QTreeView, "treeView")
    assert files is not None
    model = files.model()
    qtbot.waitUntil(lambda: model.rowCount(files.rootIndex()) == 5, timeout=10_000)

    def row_of(name: str) -> dict[str, str]:
        root: QModelIndex = files.rootIndex()
        for row in range(model.rowCount(root)):
            if model.index(row, 0, root).data() == name:
                return {"size": model.index(row, 1, root).data(), "type": model.index(row, 2, root).data()}
        raise AssertionError(name)

    assert model.headerData(1, Qt.Orientation.Horizontal) == "大小"
    assert row_of("小.fupinpkg") == {"size": "512 字节", "type": "数据包"}
    assert row_of("空.fupinpkg")["size"] == "0 字节"
    assert row_of("三千.xlsx")["size"] == "3 KB" and row_of("大.fupinpkg")["size"] == "2.4 MB"
    assert row_of("子文件夹") == {"size": "", "type": "文件夹"}
    sidebar = dialog.findChild(QListView, "sidebar")
    assert sidebar is not None
    qtbot.waitUntil(lambda: sidebar.model().rowCount() >= 1)
    places = sidebar.model()
    texts = [places.index(row, 0).data() for row in range(places.rowCount())]
    assert "计算机" in texts
    for row, text in enumerate(texts):  # what each entry needs, icon and margins included, as Qt measures it
        assert sidebar.sizeHintForIndex(places.index(row, 0)).width() <= sidebar.viewport().width(), text


def test_file_sizes_read_as_a_chinese_reader_knows_them() -> None:
    from fupin_desktop.ui.file_dialog_words import data_size

    assert [data_size(n) for n in (0, 1, 1023, 1024, 1025, 3000, 1024**2 - 1)] == [
        "0 字节", "1 字节", "1023 字节", "1 KB", "2 KB", "3 KB", "1024 KB",
    ]  # fmt: skip
    assert [data_size(n) for n in (1024**2, 2_500_000, 3 * 1024**3, 5 * 1024**4)] == [
        "1.0 MB", "2.4 MB", "3.0 GB", "5.0 TB",
    ]  # fmt: skip
