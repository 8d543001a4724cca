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
}


def sheet_epilog() -> str:
    return "可用的表（SHEET）：\n" + "\n".join(f"  {code:<18} {title}" for code, title in SHEETS.items())


def add_sheet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = sheet_epilog()
    parser.add_argument("sheet", metavar="SHEET", choices=list(SHEETS), help="表名，见下方列表")
    parser.add_argument("--out", required=True, metavar="DIR", help="输出文件夹")
    parser.add_argument("--region", metavar="CODE", help="只含该区划（12位代码，乡镇或村）；默认全部")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="统计期间开始（期间合计表；默认本半年）")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="统计期间结束")


def parse_day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ServiceError(f"{what}“{text}”不是日期，请写成 2026-06-30 的形式。") from None
