"""Storage errors that are the environment's fault, not a bug: each carries a Chinese message for the user.

The driver's errors are classified once, here (``translate``), at connect, flush and commit: a locked
file, a full disk, a read-only file or folder and a damaged file become a ``StoreError`` subtype whose
text says what to do. The SQL statement and its parameters (names, ID numbers, phones) never reach the
message: the translated error keeps only the driver's own short text (``detail``) for the log.
"""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """A problem with the database file that the user can act on."""

    #: The command line's exit code: 1 refused (nothing written, try again later), 2 cannot run.
    exit_code = 1

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class DatabaseTooNew(StoreError):
    """The file was written by a newer version of the program."""

    exit_code = 2


class DatabaseLocked(StoreError):
    """Another program holds the file (SQLite busy/locked, or the window's lock file)."""


class DiskFull(StoreError):
    """The disk (or the folder's quota) has no room for the change."""


class DatabaseReadOnly(StoreError):
    """The file or its folder cannot be written (permissions, a read-only medium)."""

    exit_code = 2


class DatabaseDamaged(StoreError):
    """SQLite reports the file as malformed (``check`` and a refused write both end with exit code 1)."""


class NotADatabase(StoreError):
    """The file is not a SQLite database of ours."""

    exit_code = 2


class CannotOpen(StoreError):
    """The file or its folder cannot be opened at all (missing folder, no permission)."""

    exit_code = 2



class KeyRefused(StoreError):
    """An encrypted file that the given account, password or recovery code does not open."""


class KeyringMissing(StoreError):
    """An encrypted file whose keyring (``<file>.keys``) is gone or unreadable: only the recovery code opens it."""

    exit_code = 2


class BackupFailed(StoreError):
    """A backup could not be written or did not check out; nothing of our backup name was left behind."""


# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26
_NEARLY_FULL_BYTES = 1 << 20



def _where(path: Path | None) -> str:
    return f"“{path}”" if path is not None else ""


def locked_message(path: Path | None) -> str:
    return (
        f"数据库文件{_where(path)}正被另一个程序写入（另一个窗口或命令），本次操作未作任何改动。"
        "请稍等片刻再试，或关闭其他正在使用该文件的窗口。"
    )


def translate(error: BaseException, path: Path | None = None) -> StoreError | None:
    """The ``StoreError`` for a driver error that is the environment's fault, or None for anything else
    (a constraint violated, a wrong statement: bugs, which must reach the crash dialog)."""
    original = getattr(error, "orig", error)
    if isinstance(original, StoreError):
        return original
    if isinstance(original, OSError):
        return _translate_os_error(original, path)
    if not isinstance(original, _driver_errors()):
        return None
    code = getattr(original, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(original).lower()
    detail = f"{getattr(original, 'sqlite_errorname', type(original).__name__)}: {original}"
    where = _where(path)
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text or "is busy" in text:
        return DatabaseLocked(locked_message(path), detail=detail)
    is_io_error = primary == _SQLITE_IOERR or "disk i/o error" in text
    if primary == _SQLITE_FULL or "disk is full" in text or (is_io_error and _disk_is_full(path)):
        return DiskFull(
            f"磁盘空间已满，数据库文件{where}无法写入，本次操作未作任何改动。请删除不需要的文件、腾出空间后再试。",
            detail=detail,
        )
    if primary in (_SQLITE_READONLY, _SQLITE_PERM) or "readonly" in text or "read-only" in text:
        return DatabaseReadOnly(_read_only_message(path), detail=detail)
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        return DatabaseDamaged(
            f"数据库文件{where}已损坏，无法读取。请不要再写入它，从最近的备份恢复，或把文件交技术支持人员检查。",
            detail=detail,
        )
    if primary == _SQLITE_CANTOPEN or "unable to open" in text:
        if path is not None and path.exists():
            return DatabaseReadOnly(_read_only_message(path), detail=detail)
        return CannotOpen(f"无法打开数据库文件{where}：文件夹不存在或没有访问权限。", detail=detail)
    if is_io_error:
        return StoreError(
            f"读写数据库文件{where}时磁盘出错，本次操作未作任何改动。请检查磁盘或U盘是否已拔出，然后再试。",
            detail=detail,
        )
    return None


def _driver_errors() -> tuple[type[Exception], ...]:
    from fupin_desktop.store.cipher import DRIVER_ERRORS

    return DRIVER_ERRORS


def _disk_is_full(path: Path | None) -> bool:
    """SQLite reports a full disk as an I/O error when even its shared-memory file cannot grow."""
    import shutil

    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent).free < _NEARLY_FULL_BYTES
    except OSError:
        return False


def _read_only_message(path: Path | None) -> str:
    folder = f"或其所在文件夹“{path.parent}”" if path is not None else "或其所在文件夹"
    return (
        f"数据库文件{_where(path)}{folder}是只读的，无法保存，本次操作未作任何改动。"
        "请把文件复制到可写的文件夹（例如“文档”），或取消文件的只读属性后再打开。"
    )


def _translate_os_error(error: OSError, path: Path | None) -> StoreError | None:
    import errno

    detail = f"{type(error).__name__}: {error.strerror}"
    if error.errno == errno.ENOSPC:
        return DiskFull(f"磁盘空间已满，数据库文件{_where(path)}无法写入。请腾出空间后再试。", detail=detail)
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DatabaseReadOnly(_read_only_message(path), detail=detail)
    return None
