"""The log file: one rotating file in the user log folder, set up once at start-up (never at import).

A clerk who meets a crash sends this file (the crash dialog and 关于 show where it is), so nothing
personal may be in it: every record passes ``scrub`` (ID numbers and phone numbers masked, SQL
parameters dropped), and the SQL engine's own statement log never reaches the file.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import traceback
from pathlib import Path
from types import TracebackType

from platformdirs import user_log_path

from fupin_desktop import APP_NAME

LOG_FILE_NAME = "fupin-desktop.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5  # fupin-desktop.log.1 … .5: a few weeks of ordinary use
FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"

_handler: logging.Handler | None = None

# 18-digit (last may be X) and 15-digit ID numbers; mobiles; landlines with an area code.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}-\d{7,8}(?!\d)")
# SQLAlchemy puts the bound values of a failed statement on a line of their own.
_SQL_PARAMETERS = re.compile(r"^\[parameters: .*\]$", re.MULTILINE)
_SQL_ENGINE_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm")

REDACTED_PARAMETERS = "[parameters: 已略去（可能含个人信息）]"


def scrub(text: str) -> str:
    """The text with ID numbers, phone numbers and SQL parameters masked (for the log and crash dialog)."""
    text = _SQL_PARAMETERS.sub(REDACTED_PARAMETERS, text)
    text = _ID_NUMBER.sub("[身份证号]", text)
    text = _MOBILE.sub("[手机号]", text)
    return _LANDLINE.sub("[电话]", text)


def format_exception(
    exc_type: type[BaseException], exc_value: BaseException | None, exc_tb: TracebackType | None
) -> str:
    """A traceback as text, scrubbed; a database error shows its statement but not its values."""
    return scrub("".join(traceback.format_exception(exc_type, exc_value, exc_tb)))


class ScrubbingFormatter(logging.Formatter):
    """Formats as usual, then scrubs the message, the traceback and the stack."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))

    def formatException(self, ei: object) -> str:
        return scrub(super().formatException(ei))  # type: ignore[arg-type]


class DropEngineEcho(logging.Filter):
    """The SQL engine logs statements with their parameters below WARNING (echo): never to the file."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith(_SQL_ENGINE_LOGGERS) and record.levelno < logging.WARNING)


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
    _handler.setFormatter(ScrubbingFormatter(FORMAT))
    _handler.addFilter(DropEngineEcho())
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
