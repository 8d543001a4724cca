"""``fupin-desktop print notice [BATCH] --out DIR`` and ``print visit-form [--household NO] --out DIR``."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import fail, guarded, opened, signed_in


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("print", help="打印件（PDF）：公示通知、入户走访记录表")
    kinds = parser.add_subparsers(dest="printout", metavar="打印件")
    notice = kinds.add_parser("notice", help="公示通知（张贴用，不含身份证号、电话和健康信息）")
    notice.add_argument("batch", nargs="?", metavar="BATCH", help="公示批次的名称（或其中一段）；默认最新一批")
    notice.add_argument("--out", required=True, metavar="DIR", help="输出文件夹")
    visit = kinds.add_parser("visit-form", help="入户走访记录表：空白（纸质备用），或按某户填好成员情况")
    visit.add_argument("--household", metavar="NO", help="户编号或扶贫卡编号；不写则打印空白表")
    visit.add_argument("--out", required=True, metavar="DIR", help="输出文件夹")
    parser.set_defaults(run=run, print_parser=parser)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.printouts import find_household, find_notice, print_notice, print_visit_form

    if args.printout is None:
        args.print_parser.print_help()
        return fail("错误：请写明要打印的是 notice（公示通知）还是 visit-form（入户走访记录表）。")
    out = Path(args.out)
    with opened(args.db) as database:
        if args.printout == "notice":
            notice_id = None
            if args.batch:
                with database.session_factory() as session:
                    notice_id = find_notice(session, args.batch)
            result = print_notice(database, out_dir=out, notice_id=notice_id)
            print(f"已生成公示通知“{result.title}”（{result.count}人）：\n  {result.path}")
            return 0
        household_id = None
        if args.household:
            with database.session_factory() as session:
                household_id = find_household(session, args.household)
        viewer = signed_in(args, database)  # a 村级录入员 prints their own village's households only
        result = print_visit_form(database, out_dir=out, household_id=household_id, viewer=viewer)
    what = f"（{result.count}名成员）" if household_id else "（空白）"
    print(f"已生成入户走访记录表{what}：\n  {result.path}")
    return 0
