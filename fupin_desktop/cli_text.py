"""argparse's own words (usage, section titles, its error messages) in Chinese, like the rest of the
command line: a clerk who forgets ``--out`` reads "缺少必填参数：--out", not "the following arguments
are required". argparse looks its texts up through the module's ``_`` and ``ngettext`` at the moment
it prints them; :func:`use_chinese` puts a lookup over the messages below in their place."""

from __future__ import annotations

import argparse

ZH: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必填参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "没有这个命令或取值：%(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "取值 %(value)r 不是有效的 %(type)s",
    "expected one argument": "后面应跟一个值",
    "expected at least one argument": "后面应至少跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "须给出参数 %s 之一",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
}
ZH_PLURAL: dict[str, str] = {"expected %s argument": "后面应跟%s个值"}


def chinese(message: str) -> str:
    return ZH.get(message, message)


def chinese_plural(singular: str, plural: str, n: int) -> str:
    if singular in ZH_PLURAL:
        return ZH_PLURAL[singular]
    return singular if n == 1 else plural


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Section titles end with the Chinese colon ("位置参数：", "选项：") like every other label here;
    argparse writes the ASCII one itself after each heading, so it is replaced in the finished text."""

    def __init__(self, prog: str, **kwargs: int) -> None:
        super().__init__(prog, **kwargs)
        self._headings: list[str] = []

    def start_section(self, heading: str | None) -> None:
        if heading:
            self._headings.append(heading)
        super().start_section(heading)

    def format_help(self) -> str:
        text = super().format_help()
        for heading in self._headings:
            text = text.replace(f"\n{heading}:\n", f"\n{heading}：\n")
        return text


class ChineseRawDescriptionHelpFormatter(ChineseHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The same, for a command whose description or epilog is laid out line by line (the list of sheets)."""


def chinese_help(parser: argparse.ArgumentParser) -> None:
    """:class:`ChineseHelpFormatter` for ``parser`` and every command under it; a command that asked for its
    text as written keeps its lines (it used to be run together into one paragraph)."""
    raw = isinstance(parser.formatter_class, type) and issubclass(
        parser.formatter_class, argparse.RawDescriptionHelpFormatter
    )
    parser.formatter_class = ChineseRawDescriptionHelpFormatter if raw else ChineseHelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                chinese_help(sub)


def use_chinese() -> None:
    """From now on argparse words its usage, help titles and errors in Chinese (idempotent)."""
    setattr(argparse, "_", chinese)  # noqa: B010 (a module global argparse reads at call time)
    setattr(argparse, "ngettext", chinese_plural)  # noqa: B010
