"""``fupin-desktop stats --out DIR [--region CODE] [--year YYYY]``: the 统计 page as PDF and xlsx."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import fail, guarded, opened, signed_in


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="导出统计（意愿进度、培训/技工院校/就业覆盖、补贴发放）：A4 PDF 图表和 xlsx 表格",
        description="与程序“统计”页相同的图表和表格：默认为本所辖区、今年；按下一级区划分列。",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="输出文件夹")
    parser.add_argument("--region", metavar="CODE", help="县、乡镇或村的12位区划代码（默认：本所辖区）")
    parser.add_argument("--year", type=int, metavar="YYYY", help="统计年度（默认：今年）")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.regions import find_region_by_code
    from fupin_desktop.services.statistics import export_statistics

    if args.db is not None and not Path(args.db).exists():
        return fail(f"错误：数据库文件“{args.db}”不存在。", 2)
    with opened(args.db) as database:
        region_id = None
        if args.region:
            with database.session_factory() as session:
                region = find_region_by_code(session, args.region)
            if region is None:
                return fail(f"错误：没有代码为“{args.region}”的区划（--region）。")
            region_id = region.id
        viewer = signed_in(args, database)  # a 村级录入员 counts their own village only
        xlsx, pdf = export_statistics(
            database, out_dir=Path(args.out), region_id=region_id, year=args.year, viewer=viewer
        )
    print(f"已导出统计：\n  {xlsx}\n  {pdf}")
    return 0
