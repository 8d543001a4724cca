"""Command-line commands, one module each; shared helpers for opening the database and reporting errors."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fupin_desktop.domain.accounts import Actor
from fupin_desktop.services.errors import ServiceError, SignInRefused
from fupin_desktop.store.db import Database, database_path, open_database
from fupin_desktop.store.errors import StoreError
from fupin_desktop.store.lockfile import refuse_if_open_in_window
from fupin_desktop.store.postgres import file_only, is_server_address

log = logging.getLogger(__name__)

# One command's sign-in: ``--user`` (set by cli.main) and the password once read, so that an encrypted file
# (opened with the account's key slot) and the command's own sign-in ask for it only once.
_sign_in: dict[str, str | None] = {"user": None, "name": None, "password": None}


def start_command(user: str | None) -> None:
    """Called by ``cli.main`` before each command: forget the previous command's sign-in."""
    _sign_in.update(user=user, name=None, password=None)


def _account_name() -> str | None:
    return _sign_in["user"] or os.environ.get("FUPIN_USER")


def _password_of(name: str) -> str:
    if _sign_in["name"] == name and _sign_in["password"] is not None:
        return _sign_in["password"]
    password = read_password(f"账号“{name}”的密码：")
    _sign_in.update(name=name, password=password)
    return password


def data_key(path: Path) -> bytes | None:
    """The data key of an encrypted file: from the account's slot (``--user``/FUPIN_USER and its password),
    or from FUPIN_RECOVERY_CODE when set; None for a plain or new file."""
    from fupin_desktop.services.encryption import data_key_for, data_key_from_code, is_encrypted_file
    from fupin_desktop.store.keyring import keyring_path

    if not is_encrypted_file(path):
        return None
    code = os.environ.get("FUPIN_RECOVERY_CODE")
    if code:
        return data_key_from_code(path, code)
    if not keyring_path(path).exists():
        return None  # not ours, or its keyring is lost: opening says which, and how to recover
    name = _account_name()
    if not name:
        raise SignInRefused("此数据库已启用账号：请用 --user 账号（或环境变量 FUPIN_USER）登录。")
    return data_key_for(path, name=name, password=_password_of(name))


def fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


@contextmanager
def opened(db: Path | str | None, *, writing: bool = False, new_key: bytes | None = None) -> Iterator[Database]:
    """The database of ``--db``; a writing command is refused while a window has the file open (a server
    has no lock file: several clients at once is what it is for, its row locks keep them apart).

    An encrypted file opens with the signed-in account's key (:func:`data_key`); ``new_key`` creates a new
    file encrypted with it."""
    key = new_key
    if not is_server_address(db):
        if writing:
            refuse_if_open_in_window(database_path(db))
        key = data_key(database_path(db)) or new_key
    database = open_database(db, key=key)
    try:
        yield database
    finally:
        database.dispose()


def file_of(db: Path | str | None, feature: str, instead: str) -> Path:
    """The file behind ``--db`` for a command only a file has; for a server, the one refusal that says
    what to use there instead (exit code 2)."""
    if is_server_address(db):
        raise file_only(feature, instead)
    return database_path(db)


def guarded(run: Callable[..., int]) -> Callable[..., int]:
    """Expected failures become one Chinese line on stderr and exit code 1 (refused) or 2 (cannot run,
    for a file that is damaged, read-only or not ours); bugs still raise."""

    def wrapper(*args: object, **kwargs: object) -> int:
        try:
            return run(*args, **kwargs)
        except StoreError as error:
            log.warning("命令未完成：%s（%s）", type(error).__name__, error.detail or "-")
            return fail(f"错误：{error}", error.exit_code)
        except ServiceError as error:
            log.info("命令被拒绝：%s", type(error).__name__)
            return fail(f"错误：{error}")
        except KeyboardInterrupt:
            return fail("已取消，数据库未作改动。", 130)

    wrapper.__name__ = run.__name__
    wrapper.__doc__ = run.__doc__
    return wrapper


def read_password(prompt: str) -> str:
    """FUPIN_PASSWORD when set, otherwise asked for on the terminal (never echoed); with no terminal to
    ask on, a refusal rather than a hang."""
    password = os.environ.get("FUPIN_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise SignInRefused("需要密码：请设置环境变量 FUPIN_PASSWORD，或在终端中运行以输入密码。")
    return getpass.getpass(prompt)


def signed_in(args: argparse.Namespace, database: Database, fallback: str = "命令行") -> str | Actor:
    """The actor of a command. Until the database has a 管理员 account it is, as before, the station
    profile's 填表人 (``--user`` is not asked for); from then on the account named by ``--user`` or
    FUPIN_USER, signed in with its password — a wrong one is one line and exit code 1."""
    from fupin_desktop.services.accounts import accounts_in_force, sign_in
    from fupin_desktop.services.settings import operator_name

    if not database.read(accounts_in_force):
        return database.read(operator_name, fallback)
    name = getattr(args, "user", None) or os.environ.get("FUPIN_USER")
    if not name:
        raise SignInRefused("此数据库已启用账号：请用 --user 账号（或环境变量 FUPIN_USER）登录。")
    return sign_in(database, name=name, password=_password_of(name))
