"""argparse's help in Chinese down to its punctuation: section titles end with "：", at every level."""

from __future__ import annotations

import re

from fupin_desktop.cli import build_parser


def _help_of(*command: str) -> str:
    parser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if a.dest in ("command", "key_action"))
        parser = sub.choices[name]  # type: ignore[index]
    return parser.format_help()


def test_section_titles_end_with_the_chinese_colon() -> None:
    for command in ((), ("backup",), ("station-key",), ("station-key", "export"), ("profile",)):
        text = _help_of(*command)
        assert "位置参数：" in text or "选项：" in text, command
        assert not re.search(r"^\S[^\n]*:$", text, flags=re.MULTILINE), (command, text)


def test_the_list_of_sheets_keeps_one_sheet_a_line() -> None:
    for command in ("export", "seal"):
        text = _help_of(command)
        assert "可用的表（SHEET）：" in text and "选项：" in text
        assert re.search(r"^  training_list +拟参加培训人员名单", text, flags=re.MULTILINE), (command, text)
        assert re.search(r"^ +报送地区：黑龙江$", text, flags=re.MULTILINE), (command, text)
