"""Qt's own file dialog (used for 打开, 导出 and 数据包 where the desktop offers none) in Chinese throughout.

Its translations cover the labels, but two things came out wrong: the sizes, which Qt 6 formats with the
system locale's English units ("512 bytes", cut to "512…tes" in the narrow column, "2.93 KiB"), and the
places on its left, cut to "计…" by a sidebar narrower than 计算机. So each file dialog, when first shown,
lists its files through :class:`ChineseSizes` (sizes as a Chinese reader knows them: 512 字节, 3 KB, 2.4 MB,
under 大小; the program's own 数据包 and 站点密钥 by name rather than 未知) and gets a sidebar wide enough
for its longest entry. A native dialog has neither: it is left as it is."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtWidgets import QApplication, QFileDialog, QFileSystemModel, QListView

SIZE_COLUMN, TYPE_COLUMN = 1, 2  # QFileSystemModel: 名称, 大小, 类型, 修改日期
# The program's own files, which the system's type list calls 未知.
OWN_TYPES = {"fupinpkg": "数据包", "fupinkey": "站点密钥"}
_DONE = "fupin_chinese_file_dialog"
_UNITS = ("KB", "MB", "GB", "TB")
ROOMY = QSize(780, 480)


def data_size(size: int) -> str:
    """A file's size as the dialog shows it: bytes below 1 KB, whole KB (rounded up, as Windows does) below
    1 MB, then one decimal."""
    if size < 1024:
        return f"{size} 字节"
    for power, unit in enumerate(_UNITS, start=1):
        value = size / 1024**power
        if value < 1024 or unit == _UNITS[-1]:
            return f"{math.ceil(value)} KB" if unit == "KB" else f"{value:.1f} {unit}"
    raise AssertionError("unreachable: the last unit takes every size")


class ChineseSizes(QIdentityProxyModel):
    """The dialog's file list as Qt's model has it, but with the size column in Chinese."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        column = index.column() if index.isValid() else -1
        if column in (SIZE_COLUMN, TYPE_COLUMN) and role == Qt.ItemDataRole.DisplayRole:
            files, source = self.sourceModel(), self.mapToSource(index)
            if isinstance(files, QFileSystemModel) and column == SIZE_COLUMN:
                return "" if files.isDir(source) else data_size(files.size(source))
            if isinstance(files, QFileSystemModel) and not files.isDir(source):
                own = OWN_TYPES.get(files.fileInfo(source).suffix().lower())
                if own is not None:
                    return own
        return super().data(index, role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if section == SIZE_COLUMN and orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "大小"  # qtbase_zh_CN says 体积, which is a volume, not a file's size
        return super().headerData(section, orientation, role)


def widen_sidebar(dialog: QFileDialog) -> None:
    """The places on the left (计算机, the home folder, …) each readable whole."""
    sidebar = dialog.findChild(QListView, "sidebar")
    places = sidebar.model() if sidebar is not None else None
    if sidebar is None or places is None:
        return
    # What the widest entry needs, icon and margins included, as the view's own delegate measures it.
    widest = max(
        (sidebar.sizeHintForIndex(places.index(row, 0)).width() for row in range(places.rowCount())), default=0
    )
    sidebar.setMinimumWidth(widest + 2 * sidebar.frameWidth() + 6)


def make_chinese(dialog: QFileDialog) -> None:
    """Chinese sizes and a readable sidebar, once per dialog; nothing for a native one (no widgets)."""
    if dialog.property(_DONE) or dialog.findChild(QListView, "sidebar") is None:
        return
    dialog.setProperty(_DONE, True)
    if dialog.proxyModel() is None:
        dialog.setProxyModel(ChineseSizes(dialog))
    widen_sidebar(dialog)
    if dialog.width() < ROOMY.width() or dialog.height() < ROOMY.height():  # Qt's 611×421 cuts the 修改日期 column
        dialog.resize(dialog.size().expandedTo(ROOMY))  # still inside a 1366×768 screen (ui/screen_fit.py)


class ChineseFileDialogs(QObject):
    """Installed on the application: every file dialog, the static getOpenFileName() ones included, is made
    Chinese as it is first shown."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QFileDialog):
            make_chinese(watched)
        return False


def install_chinese_file_dialogs(app: QApplication) -> ChineseFileDialogs:
    found = app.findChild(ChineseFileDialogs)
    if found is not None:
        return found
    words = ChineseFileDialogs(app)
    app.installEventFilter(words)
    return words
