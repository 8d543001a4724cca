"""``fupin-desktop seal SHEET --out DIR``: seal, number and write one summary sheet for submission."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import guarded, opened, signed_in
from fupin_desktop.commands._sheets import add_sheet_arguments


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("seal", help="封存上报表：编号、校验码，人员转为“已上报”并锁定（xlsx + PDF）")
    add_sheet_arguments(parser)
    signing = parser.add_argument_group(
        "签字栏", "默认取自账号：填表人为本站的乡镇经办人（及其电话），审核人、负责人为封存的审核人（站长）"
    )
    signing.add_argument("--filled-by", metavar="NAME", help="填表人")
    signing.add_argument("--phone", metavar="PHONE", help="联系电话")
    signing.add_argument("--reviewer", metavar="NAME", help="审核人")
    signing.add_argument("--head", metavar="NAME", help="负责人")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.commands.export import sheet_request
    from fupin_desktop.services.signatories import override, signatories_for
    from fupin_desktop.services.submissions import seal_submission, tidy_after_crash

    with opened(args.db, writing=True) as database:
        tidy_after_crash(database, extra=[Path(args.out)])
        operator = signed_in(args, database)
        request = database.read(sheet_request, args)
        names = override(
            signatories_for(database, actor=operator),
            operator=args.filled_by,
            phone=args.phone,
            reviewer=args.reviewer,
            head=args.head,
        )
        result = seal_submission(database, actor=operator, request=request, out_dir=Path(args.out), signatories=names)
    print(
        f"已封存 {result.number}：{result.row_count}行，校验码 {result.digest}\n"
        f"  填表人 {names.operator}（{names.phone or '无电话'}） · 审核人 {names.reviewer} · 负责人 {names.head}\n"
        f"  {result.xlsx_path}\n  {result.pdf_path}"
    )
    return 0
