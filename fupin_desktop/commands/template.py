"""``fupin-desktop template OUT.xlsx``: the blank sheet a village committee fills."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fupin_desktop.commands import guarded, opened


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("template", help="生成村级空白采集表（xlsx，带下拉列表和填表说明）")
    parser.add_argument("out", type=Path, metavar="OUT.xlsx", help="要生成的文件")
    parser.add_argument("--village", metavar="CODE", help="村的12位区划代码：村名和代码印在表头，导入时自动识别")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.export.village_template import VillageTitle, write_village_sheet
    from fupin_desktop.services.village_import import template_title

    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        out = out.with_name(out.name + ".xlsx")
    from fupin_desktop.services.pairing import template_schools

    title = VillageTitle()
    schools: list[str] = []
    note = ""
    if args.village:
        with opened(args.db) as database, database.session_factory() as session:
            title = template_title(session, args.village)
            schools, note = template_schools(session, args.village)
    try:
        write_village_sheet(out, title, schools=schools, paired_note=note)
    except PermissionError:
        print(f"错误：无法写入“{out}”：文件可能正在Excel中打开，请关闭后再试", file=sys.stderr)
        return 1
    print(f"已生成空白采集表：{out}" + (f"（{title.full_name}，{title.code}）" if title.code else ""))
    return 0
