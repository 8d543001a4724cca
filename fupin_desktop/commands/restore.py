"""``fupin-desktop restore FILE``: replace the database by a checked backup, keeping the current file aside."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from fupin_desktop.commands import data_key, fail, file_of, guarded, signed_in

if TYPE_CHECKING:
    from fupin_desktop.services.accounts import Who


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="用备份恢复数据库：先检查备份，原文件另存为“…恢复前-时间.db”，再整体替换",
        description="退出码：0 已恢复；1 未恢复（备份已损坏，或数据库正在程序窗口中打开）；"
        "2 找不到备份文件或不是数据库。",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="备份文件（.db）")
    parser.set_defaults(run=run)


def _actor(args: argparse.Namespace, target: Path, key: bytes | None) -> Who:
    """Who restores: an account of the database being replaced (恢复备份 needs its 管理员); a missing or
    damaged file has no accounts to ask, and the name is only recorded."""
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.errors import DatabaseDamaged, NotADatabase

    fallback = os.environ.get("FUPIN_USER") or "命令行"
    if not target.is_file():
        return fallback
    try:
        current = open_database(target, key=key)
    except (DatabaseDamaged, NotADatabase):
        return fallback
    try:
        return signed_in(args, current, fallback)
    finally:
        current.dispose()


@guarded
def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QLockFile

    from fupin_desktop.services.backups import restore_backup
    from fupin_desktop.store.errors import NotADatabase
    from fupin_desktop.store.postgres import BACKUP_INSTEAD

    target = file_of(args.db, "从备份文件恢复", BACKUP_INSTEAD)
    if not args.file.is_file():
        return fail(f"错误：找不到备份文件“{args.file}”。", 2)
    try:  # a new laptop after a dead disk: the data folder may not exist yet
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return fail(f"错误：无法创建文件夹“{target.parent}”：{error.strerror or error}", 2)
    # The window's lock file: a database open in a window is never replaced under it.
    lock = QLockFile(str(target.with_name(target.name + ".lock")))
    lock.setStaleLockTime(0)
    if not lock.tryLock(0):
        if lock.error() != QLockFile.LockError.LockFailedError:
            return fail(f"错误：无法在“{target.parent}”中建立锁文件，请检查该文件夹是否可写。", 2)
        return fail(
            f"错误：数据库文件“{target}”正在程序窗口中打开，请先关闭窗口再恢复（或在窗口的“备份与恢复”中恢复）。"
        )
    try:
        # An encrypted database keeps its key; on a new laptop the encrypted backup's own keyring opens it.
        key = data_key(target) if target.is_file() else data_key(args.file)
        result = restore_backup(target=target, backup=args.file, actor=_actor(args, target, key), key=key)
    except NotADatabase as error:
        return fail(f"错误：{error}", 2)
    finally:
        lock.unlock()
    aside = f"原文件已另存为“{result.kept_aside}”。" if result.kept_aside is not None else ""
    print(f"已从“{result.restored_from}”恢复数据库“{target}”（{result.households}户、{result.people}人）。{aside}")
    return 0
