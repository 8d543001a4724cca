"""使用说明: the Chinese manual shipped with the program (resources/help/index.html), shown in the
program itself so that it works on a laptop without a browser or a network."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from fupin_desktop.assets import resource_path


def manual_path() -> str:
    return str(resource_path("help", "index.html"))


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help_dialog")
        self.setWindowTitle("使用说明")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setSearchPaths([str(resource_path("help"))])
        self.browser.setSource(QUrl.fromLocalFile(manual_path()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(960, 700)
