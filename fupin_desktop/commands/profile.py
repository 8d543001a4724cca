"""``fupin-desktop profile [--unit …] [--township …] …``: 本站信息 (填表单位 and who signs), as the window saves it."""

from __future__ import annotations

import argparse
import dataclasses

from fupin_desktop.commands import fail, guarded, opened, signed_in

# option → (StationProfile field, the label the window's 本站信息 dialog shows)
OPTIONS = {
    "unit": ("unit_name", "填表单位"),
    "township": ("township", "乡镇（街道）"),
    "operator": ("operator_name", "操作员（填表人）"),
    "phone": ("contact_phone", "联系电话"),
    "reviewer": ("reviewer_name", "审核人"),
    "head": ("head_name", "负责人"),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "profile",
        help="本站信息：填表单位、乡镇、填表人、联系电话、审核人、负责人（印在上报表签章栏）；不带选项时显示",
        description="与窗口中“设置 → 本站信息”保存的是同一份信息；只修改给出的项目。",
    )
    for option, (_, label) in OPTIONS.items():
        parser.add_argument(f"--{option}", metavar="文字", help=label)
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.domain.validation import validate_phone
    from fupin_desktop.services.settings import load_station_profile, store_station_profile

    changes = {field: getattr(args, option).strip() for option, (field, _) in OPTIONS.items()
               if getattr(args, option) is not None}
    problem = validate_phone(changes.get("contact_phone"))
    if problem is not None:
        return fail(f"错误：联系电话（--phone）：{problem}，本站信息未修改。")
    with opened(args.db, writing=bool(changes)) as database:
        profile = database.read(load_station_profile)
        if changes:
            profile = store_station_profile(
                database, actor=signed_in(args, database), profile=dataclasses.replace(profile, **changes)
            )
    for field, label in OPTIONS.values():
        print(f"{label}：{getattr(profile, field) or '（未填写）'}")
    if changes:
        print("已保存本站信息。")
    return 0
