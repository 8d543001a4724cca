"""What ``export`` and ``seal`` share: the sheet argument with its list, the area and the period."""

from __future__ import annotations

import argparse
from datetime import date

from fupin_desktop.services.errors import ServiceError

# Kept here (not imported from services) so that --help stays fast; a test checks they agree.
SHEETS = {
    "register_summary": "精准扶贫对象登记汇总表（山东 附件2，拟就读技工院校人员）",
    "training_list": "拟参加培训人员名单（黑龙江 十）",
    "school_list": "拟就读技工院校人员名单（黑龙江 十）",
    "progress_school": "技工院校技能脱贫攻坚进展情况表（黑龙江 附件2，期间合计）",
    "progress_training": "技能培训技能脱贫攻坚进展情况表（黑龙江 附件3，期间合计）",
    "progress_shandong": "全省技工院校服务脱贫攻坚工作进展情况表（山东 附件1，期间合计）",
    "progress_henan": "技能脱贫千校行动进展情况表（河南 附件，期间合计）",
}
# Which provinces' profiles submit each sheet (the profile files' "sheets"; a test checks they agree).
PROVINCES = {
    "register_summary": "山东、济南",
    "training_list": "黑龙江、河南、临汾、济南、山东、通用",
    "school_list": "黑龙江、河南、临汾、济南、山东、通用",
    "progress_school": "黑龙江",
    "progress_training": "黑龙江",
    "progress_shandong": "山东、济南",
    "progress_henan": "河南",
}


def sheet_epilog() -> str:
    lines = [f"  {code:<18} {title}\n  {'':<18} 报送地区：{PROVINCES[code]}" for code, title in SHEETS.items()]
    return "可用的表（SHEET）：不写时为本所地区配置的主表（配置中列出的第一张）。\n" + "\n".join(lines)


def add_sheet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = sheet_epilog()
    parser.add_argument("sheet", metavar="SHEET", nargs="?", choices=list(SHEETS), help="表名，见下方列表")
    parser.add_argument("--out", required=True, metavar="DIR", help="输出文件夹")
    parser.add_argument(
        "--region", metavar="CODE", help="只含该区划（12位代码，本所辖区内的乡镇或村）；默认本所所在乡镇"
    )
    parser.add_argument(
        "--from", dest="start", metavar="YYYY-MM-DD", help="统计期间开始（期间合计表；默认本半年或本年起）"
    )
    parser.add_argument(
        "--to", dest="end", metavar="YYYY-MM-DD", help="统计期间结束（默认今天与本期报送截止日中较早者，不晚于今天）"
    )


def parse_day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ServiceError(f"{what}“{text}”不是日期，请写成 2026-06-30 的形式。") from None
