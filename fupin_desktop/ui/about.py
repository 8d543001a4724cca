"""关于: version, where the data file and the log are (the two things support asks for), font licence."""

from __future__ import annotations

from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import __version__
from fupin_desktop.assets import icon_path, resource_path
from fupin_desktop.ui import messages

FONT_LICENCE = (
    "界面与报表字体 Noto Sans SC / Noto Serif SC（思源黑体、思源宋体），依 SIL Open Font License 1.1 随程序分发。"
)
QT_LICENCE = f"界面库 Qt for Python（PySide6 {pyside_version}），依 GNU LGPL v3 使用。"


def font_licence_file() -> Path | None:
    """The OFL text shipped beside the fonts, if the fonts are bundled."""
    folder = resource_path("fonts")
    for pattern in ("OFL*", "LICENSE*", "*.txt"):
        found = sorted(folder.glob(pattern)) if folder.is_dir() else []
        if found:
            return found[0]
    return None


def _open_folder_button(path: Path) -> QPushButton:
    button = QPushButton("打开文件夹")
    button.setToolTip(str(path.parent))
    button.clicked.connect(lambda: messages.open_folder(button.window(), path.parent))
    return button


def _path_row(path: Path | str | None, missing: str) -> QWidget:
    """A file's path with a button to its folder; a server's address (text) as it is."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(str(path) if path is not None else missing)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    layout.addWidget(label, 1)
    if isinstance(path, Path):
        layout.addWidget(_open_folder_button(path))
    return row


class AboutDialog(QDialog):
    def __init__(self, database_path: Path | str | None, log_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("关于扶贫就业信息采集")
        self.setMinimumWidth(560)

        icon = QLabel()
        icon.setPixmap(QPixmap(str(icon_path(64))))
        title = QLabel("<span style='font-size:16pt; font-weight:bold'>扶贫就业信息采集</span>")
        subtitle = QLabel("离线记录贫困户走访、培训与技工院校意愿，审核公示并打印封存上报表。")
        subtitle.setWordWrap(True)
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(subtitle)
        heading.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(heading, 1)

        self.version_label = QLabel(__version__)
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        licence = QLabel(FONT_LICENCE + "<br>" + QT_LICENCE)
        licence.setWordWrap(True)
        licence_file = font_licence_file()
        if licence_file is not None:
            licence.setText(
                f"{FONT_LICENCE}（<a href='{QUrl.fromLocalFile(str(licence_file)).toString()}'>许可全文</a>）"
                f"<br>{QT_LICENCE}"
            )
            licence.setOpenExternalLinks(True)

        form = QFormLayout()
        form.addRow("版本：", self.version_label)
        form.addRow("数据文件位置：", _path_row(database_path, "未打开数据库"))
        form.addRow("日志位置：", _path_row(log_path, "未写日志"))
        form.addRow("字体许可：", licence)

        buttons = QDialogButtonBox()
        buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(buttons)
