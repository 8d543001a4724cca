"""``fupin-desktop export SHEET --out DIR``: a draft (草稿) xlsx and PDF of one summary sheet."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from fupin_desktop.commands import guarded, opened, signed_in
from fupin_desktop.commands._sheets import add_sheet_arguments, parse_day

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fupin_desktop.services.sheets import SheetRequest


ROSTER = "roster"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export", help="导出上报表草稿（xlsx + PDF，每页标“草稿”，不封存）；roster：农户花名册"
    )
    add_sheet_arguments(parser)
    for action in parser._actions:  # the roster is not a seed form: exported here, never sealed
        if action.dest == "sheet" and action.choices is not None:
            action.choices = [*action.choices, ROSTER]
    parser.epilog = f"{parser.epilog}\n  {ROSTER:<18} 农户和成员花名册（xlsx，身份证号为文本，不封存）"
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
    if args.sheet == ROSTER:
        return export_roster_file(args)
    from fupin_desktop.services.submissions import export_draft

    with opened(args.db) as database:
        viewer = signed_in(args, database)  # a 村级录入员 exports their own village only
        with database.session_factory() as session:
            request = sheet_request(session, args)
            xlsx, pdf = export_draft(session, request, Path(args.out), viewer=viewer)
    print(f"已导出草稿：\n  {xlsx}\n  {pdf}")
    return 0


def export_roster_file(args: argparse.Namespace) -> int:
    from fupin_desktop.services.roster_export import export_roster
    from fupin_desktop.services.search import HouseholdFilter

    with opened(args.db) as database:
        viewer = signed_in(args, database)
        with database.session_factory() as session:
            region_id = sheet_request(session, args).region_id
        flt = HouseholdFilter(region_id=region_id, viewer=viewer)
        result = export_roster(database, flt=flt, out=Path(args.out))
    print(f"已导出花名册：{result.households}户{result.people}人\n  {result.path}")
    return 0
