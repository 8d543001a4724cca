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
