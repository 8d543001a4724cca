"""``fupin-desktop regions import FILE | add CODE NAME | list [CODE] | rename CODE NAME | merge FROM INTO``."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import fail, guarded, opened, signed_in

_LEVEL_NAMES = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}
_INDENT = {"province": 0, "city": 0, "county": 0, "township": 1, "village": 2}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("regions", help="本县的乡镇和村：导入统计用区划代码、新增、列出、改名、撤并")
    actions = parser.add_subparsers(dest="regions_action", metavar="操作", required=True)
    load = actions.add_parser("import", help="导入统计用区划代码表（xlsx或csv，列“代码”和“名称”，12位代码）")
    load.add_argument("file", type=Path, metavar="FILE")
    add = actions.add_parser("add", help="新增一个乡镇或村（由12位代码判断级别和上级）")
    add.add_argument("code", metavar="CODE")
    add.add_argument("name", metavar="NAME")
    show = actions.add_parser("list", help="列出全部区划，或某一区划及其下级")
    show.add_argument("code", nargs="?", metavar="CODE")
    rename = actions.add_parser("rename", help="乡镇或村改名")
    rename.add_argument("code", metavar="CODE")
    rename.add_argument("name", metavar="NAME")
    merge = actions.add_parser("merge", help="撤并：把一个村的全部农户并入另一个村，原村删除")
    merge.add_argument("source", metavar="FROM", help="被撤并的村的代码")
    merge.add_argument("target", metavar="INTO", help="并入的村的代码")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services import regions

    with opened(args.db) as database:
        action = args.regions_action
        actor = "" if action == "list" else signed_in(args, database)
        if action == "list":
            nodes = regions.list_regions(database, code=args.code)
            if not nodes:
                print("尚无区划：请用 regions import 或 regions add 建立本县的乡镇和村。")
            for node in nodes:
                pad = "  " * _INDENT.get(node.level, 0)
                level = _LEVEL_NAMES[node.level]
                print(f"{node.code or '（无代码）':<12}  {pad}{node.name}（{level}，{node.household_count}户）")
            return 0
        if action == "add":
            added = regions.add_region(database, actor=actor, code=args.code, name=args.name)
            print(f"已新增{_LEVEL_NAMES[added.level]}：{added.name}（{added.code}）")
            return 0
        if action == "import":
            if not Path(args.file).exists():
                return fail(f"错误：找不到文件“{args.file}”", 2)
            try:
                result = regions.import_regions(database, actor=actor, path=args.file)
            except regions.RegionImportRefused as refused:
                for problem in refused.problems:
                    print(problem)
                return fail(f"错误：区划代码表有{len(refused.problems)}处错误，未导入任何区划。")
            print(
                f"已导入{result.county_code}的区划代码：新增{result.added}个，改名{result.renamed}个，"
                f"未变{result.unchanged}个。"
            )
            return 0
        with database.session_factory() as session:
            found = regions.find_region_by_code(session, args.code if action == "rename" else args.source)
            target = regions.find_region_by_code(session, args.target) if action == "merge" else None
        if found is None or (action == "merge" and target is None):
            missing = args.code if action == "rename" else args.source if found is None else args.target
            return fail(f"错误：没有代码为“{missing}”的区划。")
        if action == "rename":
            renamed = regions.rename_region(database, actor=actor, region_id=found.id, name=args.name)
            print(f"已改名：{renamed.code} {renamed.name}")
            return 0
        assert target is not None
        merged = regions.merge_villages(database, actor=actor, source_id=found.id, target_id=target.id)
        print(f"已撤并：{found.name}的{merged.households_moved}户并入{merged.target.name}，{found.name}已删除。")
        return 0
