"""``fupin-desktop package export --out FILE [--to SITE] | import FILE [--dry-run] | issues | decide ID --choice C
| request --id-number N --field F --value V | site [--name N] [--kind K] [--region CODE]``: data packages,
and what they leave for a person to decide."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import guarded, opened, signed_in

KINDS = {"village": "村委会笔记本", "field": "外业笔记本", "station": "人社所", "county": "县局"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "package",
        help="数据包：在村委会、外业笔记本、人社所和县局之间交换数据（签名、可加密、逐字段合并）",
        description="不带 --to 导出完整数据包（新笔记本先 init，登记本站密钥，再 package import 成为副本）；"
        "带 --to 只导出对方尚未收到的变更，并用对方的密钥加密。",
    )
    actions = parser.add_subparsers(dest="package_action", metavar="操作", required=True)
    export = actions.add_parser("export", help="导出数据包")
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help="数据包文件（.fupinpkg）")
    export.add_argument("--to", metavar="SITE", help="接收站点的名称或编号（须已收到过它的数据包）")
    export.set_defaults(run=run_export)
    imported = actions.add_parser("import", help="导入数据包：先核验签名、校验和与变更号，再在一个事务中套用")
    imported.add_argument("file", type=Path, metavar="FILE")
    imported.add_argument("--dry-run", action="store_true", help="只显示将要做什么，不改动数据库")
    imported.set_defaults(run=run_import)
    issues = actions.add_parser("issues", help="列出数据包未能自动套用、待人工处理的冲突、疑似重复和更正申请")
    issues.set_defaults(run=run_issues)
    decide = actions.add_parser(
        "decide", help="处理一条待处理事项：采用本站、采用对方、合并为同一人、不是同一户、接受或不接受"
    )
    decide.add_argument("issue", metavar="ID", help="package issues 列出的编号（前几位即可）")
    decide.add_argument(
        "--choice",
        required=True,
        choices=("ours", "theirs", "merge", "apart", "accept", "reject", "dismiss"),
        help="ours=采用本站 theirs=采用对方 merge=合并为同一人（或同一户） apart=不是同一户（两户都保留，"
        "户编号相同时对方一户改用本村下一个户编号）或不是同一人 accept=接受 reject=不接受 dismiss=知道了",
    )
    decide.add_argument(
        "--wrong",
        choices=("ours", "theirs"),
        default="theirs",
        help="不是同一人（或户主身份证号相同的两户不是同一户）时，身份证号有误的一方：ours=本站 theirs=对方（默认）",
    )
    decide.add_argument(
        "--id-number",
        metavar="身份证号",
        help="不是同一人时，有误一方的正确身份证号（一个身份证号只属于一个人，两人不能共用）",
    )
    decide.set_defaults(run=run_decide)
    request = actions.add_parser(
        "request", help="更正申请：请记录的所有者（如县局请人社所）更正一项，本站记录不变，待对方决定后随数据包传回"
    )
    request.add_argument("--id-number", required=True, metavar="身份证号", help="要更正的人员的身份证号")
    request.add_argument(
        "--field", required=True, metavar="FIELD", help="要更正的项：中文名或字段名，如 文化程度、联系电话"
    )
    request.add_argument("--value", required=True, metavar="VALUE", help="申请改为的值")
    request.set_defaults(run=run_request)
    site = actions.add_parser("site", help="查看本站与已知站点；带 --name/--kind 时修改本站名称与类型")
    site.add_argument("--name", metavar="NAME", help="本站名称，如“北村村委会”“张三的外业笔记本”")
    site.add_argument(
        "--kind", choices=sorted(KINDS), help="本站类型：" + "、".join(f"{k}={v}" for k, v in KINDS.items())
    )
    site.add_argument("--region", metavar="CODE", help="本站负责的区划代码（村委会笔记本填本村，人社所填本乡镇）")
    site.set_defaults(run=run_site)


@guarded
def run_export(args: argparse.Namespace) -> int:
    from fupin_desktop.services.packages import export_package

    with opened(args.db) as database:
        result = export_package(database, actor=signed_in(args, database), out=args.out, to=args.to)
    kind = f"发往“{result.receiver}”的增量数据包" if result.receiver else "完整数据包"
    sealed = "，已加密" if result.encrypted else ""
    print(f"已导出{kind}（{result.changes}条变更{sealed}）：{result.path}")
    return 0


@guarded
def run_import(args: argparse.Namespace) -> int:
    from fupin_desktop.services.package_decisions import ENTITY_LABELS
    from fupin_desktop.services.packages import KIND_LABELS, import_package

    with opened(args.db, writing=not args.dry_run) as database:
        result = import_package(database, actor=signed_in(args, database), path=args.file, dry_run=args.dry_run)
    verb = "将套用" if result.dry_run else "已套用"
    print(f"来自“{result.sender}”的数据包：{verb}{result.applied}条变更，{result.already_had}条本站已有。")
    for entity, count in sorted(result.by_entity.items()):
        print(f"  {ENTITY_LABELS.get(entity, entity)}：{count}条变更")
    for kind, count in sorted(result.issues.items()):
        print(f"  {KIND_LABELS[kind]}：{count}条，待人工处理（不会自动决定）")
    if result.future_times:
        print(
            f"  注意：{result.future_times}条变更的时间晚于本站时钟（对方电脑时钟可能不准；顺序只看变更号，不看时间）"
        )
    print(f"  对方导出时间（对方时钟）：{result.sender_clock}")
    if result.dry_run:
        print("（预览：数据库未作改动）")
    return 0


@guarded
def run_site(args: argparse.Namespace) -> int:
    from fupin_desktop.services.sites import list_sites, rename_own_site

    changing = args.name is not None or args.kind is not None or args.region is not None
    with opened(args.db, writing=changing) as database:
        if changing:
            rename_own_site(
                database, actor=signed_in(args, database), name=args.name, kind=args.kind, region_code=args.region
            )
        for site in list_sites(database):
            mark = "本站" if site.own else "    "
            print(f"{mark}  {site.id}  {KINDS.get(site.kind, site.kind)}  {site.name}  已到第 {site.last_seq} 号")
    return 0


@guarded
def run_issues(args: argparse.Namespace) -> int:
    from fupin_desktop.services.package_decisions import decision_label, list_issues

    with opened(args.db) as database:
        found = list_issues(database)
    for issue in found:
        where = f"{issue.entity_label}“{issue.record}” {issue.field_label}"
        print(
            f"{str(issue.id)[:8]}  {issue.kind_label}  {where}  原值 {issue.base}  "
            f"本站 {issue.ours}（{issue.our_account}）  "
            f"对方 {issue.theirs}（{issue.their_site} {issue.their_account} {issue.their_at:%Y-%m-%d %H:%M}，对方时钟）"
        )
        if issue.choices:
            print("          可选：" + "、".join(f"{c}={decision_label(c, issue.entity)}" for c in issue.choices))
        if issue.note:
            print(f"          {issue.note}")
        if issue.shared_number and "apart" in issue.choices:
            ours, theirs = issue.wrong_names
            print(
                f"          两人身份证号相同（{issue.shared_number}）：本站 {ours}，对方 {theirs}。"
                "不是同一人时用 --choice apart --wrong ours|theirs --id-number 正确号码"
            )
    print(f"共{len(found)}条待处理。" if found else "没有待处理的冲突。")
    return 0


@guarded
def run_decide(args: argparse.Namespace) -> int:
    from fupin_desktop.services.errors import ServiceError
    from fupin_desktop.services.package_decisions import NumberCorrection, decide_issue, decision_label, list_issues

    with opened(args.db, writing=True) as database:
        wanted = args.issue.strip().lower()
        matching = [i for i in list_issues(database) if str(i.id).startswith(wanted)] if len(wanted) >= 4 else []
        if len(matching) != 1:
            what = "没有" if not matching else "不止一条"
            raise ServiceError(
                f"编号以“{args.issue}”开头的待处理事项{what}：请用 package issues 列出的编号（至少4位）。"
            )
        correction = NumberCorrection(args.wrong, args.id_number) if args.id_number else None
        decided = decide_issue(
            database,
            actor=signed_in(args, database),
            issue_id=matching[0].id,
            decision=args.choice,
            correction=correction,
        )
    issue = matching[0]
    label = decision_label(decided.decision, issue.entity)
    print(f"已{label}：{issue.kind_label} {issue.record}（共处理{decided.closed}条）")
    return 0


@guarded
def run_request(args: argparse.Namespace) -> int:
    from fupin_desktop.services.package_decisions import request_person_change

    with opened(args.db, writing=True) as database:
        asked = request_person_change(
            database, actor=signed_in(args, database), id_number=args.id_number, field=args.field, value=args.value
        )
    print(
        f"已申请更正（{asked.before} → {asked.after}）：本站记录未改，申请随下一个发往其所有者的数据包送出，"
        "对方决定后随其数据包传回。"
    )
    return 0
