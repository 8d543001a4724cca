"""Qt's own words that its Chinese translation files miss: Qt 6 gave the file dialog's labels access keys
("&Look in:", "Files of &type:") and named the file types in a new class, and the shipped qtbase_zh_CN.qm
still has only the old strings, so Qt's own file dialog (the one used where the desktop offers none)
showed them in English beside Chinese ones."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTranslator

MISSING: dict[tuple[str, str], str] = {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
    ("QAbstractFileIconProvider", "Folder"): "文件夹",
    ("QAbstractFileIconProvider", "File Folder"): "文件夹",
    ("QAbstractFileIconProvider", "Drive"): "驱动器",
    ("QAbstractFileIconProvider", "File"): "文件",
    ("QAbstractFileIconProvider", "%1 File"): "%1 文件",
}


class MissingQtStrings(QTranslator):
    """Answers only for :data:`MISSING`; everything else falls through to Qt's own translations."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def translate(self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1) -> str:
        return MISSING.get((context, source_text))  # type: ignore[return-value]  # None: not ours, ask the next

    def isEmpty(self) -> bool:
        return False
