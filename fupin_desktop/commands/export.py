"""``fupin-desktop export SHEET --out DIR``: a draft (草稿) xlsx and PDF of one summary sheet."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from fupin_desktop.commands import guarded, opened
from fupin_desktop.commands._sheets import add_sheet_arguments, parse_day

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fupin_desktop.services.sheets import SheetRequest


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("export", help="导出上报表草稿（xlsx + PDF，每页标“草稿”，不封存）")
    add_sheet_arguments(parser)
    parser.set_defaults(run=run)


def sheet_request(session: Session, args: argparse.Namespace) -> SheetRequest:
    from fupin_desktop.services.errors import ServiceError
    from fupin_desktop.services.regions import find_region_by_code
    from fupin_desktop.services.settings import load_station_profile
    from fupin_desktop.services.sheets import SheetRequest, main_sheet

    region_id = None
    if args.region:
        region = find_region_by_code(session, args.region)
        if region is None:
            raise ServiceError(f"没有代码为“{args.region}”的区划。")
        region_id = region.id
    sheet = args.sheet or main_sheet(load_station_profile(session))
    return SheetRequest(sheet, region_id, parse_day(args.start, "开始日期"), parse_day(args.end, "结束日期"))


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.submissions import export_draft

    with opened(args.db) as database, database.session_factory() as session:
        request = sheet_request(session, args)
        xlsx, pdf = export_draft(session, request, Path(args.out))
    print(f"已导出草稿：\n  {xlsx}\n  {pdf}")
    return 0
