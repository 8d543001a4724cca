"""Qt's own words that its Chinese translation files miss: Qt 6 gave the file dialog's labels access keys
("&Look in:", "Files of &type:") and named the file types in a new class, and the shipped qtbase_zh_CN.qm
still has only the old strings, so Qt's own file dialog (the one used where the desktop offers none)
showed them in English beside Chinese ones. And its dates: see :func:`use_chinese_locale`."""

from __future__ import annotations

import os

from PySide6.QtCore import QLocale, QObject, QTranslator

CHINESE_TIME = "zh_CN.UTF-8"

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


def use_chinese_locale() -> None:
    """Dates as a Chinese reader writes them (2026/12/1), set before the application exists.

    Our widgets format with QLocale's default, set here. Qt's own file dialog formats its 修改日期 with the
    *system* locale, which Qt reads once from LC_ALL, LC_TIME and LANG: on a computer left at C or English it
    showed "1 12 2026". So for this process the time category is made Chinese too, unless it is already; a
    LC_ALL that would override it becomes LANG, keeping the rest. LC_MESSAGES is left alone: it would also
    translate the server library's errors, which store/postgres.py recognises by their English words."""
    every = os.environ.get("LC_ALL", "")
    if every and not every.startswith("zh"):
        os.environ["LANG"] = every
        del os.environ["LC_ALL"]
    if not (os.environ.get("LC_ALL") or os.environ.get("LC_TIME", "")).startswith("zh"):
        os.environ["LC_TIME"] = CHINESE_TIME
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))  # reads the environment: last
