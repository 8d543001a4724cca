"""The log file: one rotating file in the user log folder, set up once at start-up (never at import).

A clerk who meets a crash sends this file (the crash dialog and 关于 show where it is).
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from platformdirs import user_log_path

APP_NAME = "fupin-desktop"
LOG_FILE_NAME = "fupin-desktop.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5  # fupin-desktop.log.1 … .5: a few weeks of ordinary use
FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"

_handler: logging.Handler | None = None


def default_log_dir() -> Path:
    """``~/.local/state/fupin-desktop/log`` on Linux, ``%LOCALAPPDATA%\\fupin-desktop\\Logs`` on Windows."""
    return user_log_path(APP_NAME, appauthor=False)


def setup_logging(log_dir: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the root logger to a rotating UTF-8 file; returns the file's path. Safe to call again."""
    global _handler
    directory = log_dir if log_dir is not None else default_log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOG_FILE_NAME
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    _handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    _handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(_handler)
    root.setLevel(level)
    return path


def current_log_file() -> Path | None:
    """The file ``setup_logging`` writes to, or None before it ran."""
    if isinstance(_handler, logging.handlers.RotatingFileHandler):
        return Path(_handler.baseFilename)
    return None


def teardown_logging() -> None:
    """Detach and close the file handler (tests, and before deleting a temporary log folder)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None
