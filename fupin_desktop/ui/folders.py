"""The folder files are saved to (保存到): one place every file dialog starts in, remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

_KEY = "folders/save_to"


def save_folder() -> Path:
    """The last folder the user saved into, else 扶贫上报表 in the home folder."""
    stored = QSettings().value(_KEY, "", type=str)
    return Path(stored) if stored else Path.home() / "扶贫上报表"


def remember_save_folder(folder: Path) -> None:
    QSettings().setValue(_KEY, str(folder))


def open_folder() -> Path:
    """Where a dialog that opens a file starts: the save folder, or (not made yet: nothing was saved)
    the nearest folder above it that exists. Qt would otherwise put the missing folder's name in the
    file name box, with 打开 greyed out."""
    folder = save_folder()
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return folder
