"""``fupin-desktop search TEXT``: people by name, pinyin initials, any part of the ID number (birth
date, last digits), phone or 扶贫卡编号, each with their household, village and what matched."""

from __future__ import annotations

import argparse

from fupin_desktop.commands import fail, guarded, opened, signed_in

LIMIT = 200


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "search", help="查找人员：姓名、拼音首字母、身份证号任意4位以上（出生日期、后4位或6位）、电话、扶贫卡编号"
    )
    parser.add_argument("text", metavar="TEXT")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.search import classify, find_people

    if not classify(args.text)[0]:
        return fail("错误：请输入要查找的内容。")
    with opened(args.db) as database:
        viewer = signed_in(args, database)  # a 村级录入员 finds the people of their own village only
        with database.session_factory() as session:
            matches = find_people(session, args.text, LIMIT + 1, viewer=viewer)
    if not matches:
        print(f"没有找到与“{args.text}”相符的人员。")
        return 0
    for match in matches[:LIMIT]:
        place = f"{match.township}{match.village}".strip()
        print(
            f"{match.name}\t{match.sex or ''}\t{match.id_number or '（无身份证号）'}\t"
            f"{place} {match.household_no}户\t匹配：{match.matched}"
        )
    more = "（只列出前200人，请输入更多内容以缩小范围）" if len(matches) > LIMIT else ""
    print(f"共{min(len(matches), LIMIT)}人{more}")
    return 0
