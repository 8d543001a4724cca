"""``fupin-desktop backup [--out DIR]``: a verified backup of the database, then the thinning of that folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import fail, file_of, guarded, opened


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="备份数据库：写入临时文件、检查完好后才改为备份文件名，并按保留规则删除旧备份",
        description="退出码：0 已备份；1 未备份（数据库已损坏、是备份文件或备份未通过检查）；2 找不到数据库文件。"
        "保留规则：最近一天内最新的8个，此前12天每天一个、10周每周一个、9个月每月一个；"
        "只删除本程序备份文件名格式的文件。",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="备份文件夹（默认为“备份与恢复”中设置的文件夹，未设置时为数据库旁的“备份”文件夹）",
    )
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.backups import back_up
    from fupin_desktop.store.postgres import BACKUP_INSTEAD

    path = file_of(args.db, "文件备份", BACKUP_INSTEAD)
    if not Path(path).is_file():
        return fail(f"错误：找不到数据库文件“{path}”。", 2)
    with opened(path) as database:
        result = back_up(database, folder=args.out)
    removed = f"，按保留规则删除旧备份{len(result.removed)}个" if result.removed else ""
    print(
        f"已备份：{result.path}（{result.size / 1_048_576:.1f} MB，{result.households}户、{result.people}人，"
        f"已检查完好，用时{result.seconds:.1f}秒{removed}）"
    )
    return 0
