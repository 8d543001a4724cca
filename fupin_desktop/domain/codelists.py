"""Code lists (民族, 与户主关系, 文化程度 …) shipped as JSON data files.

Each list lives in ``resources/codelists/<name>.json`` with its source and date; nothing here
depends on Qt.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fupin_desktop.assets import resource_path

__all__ = [
    "CodeItem",
    "CodeList",
    "CodeListError",
    "all_codelists",
    "codelist",
    "codelist_names",
]


class CodeListError(ValueError):
    """A code list file is missing or malformed."""


@dataclass(frozen=True)
class CodeItem:
    code: str
    name: str


@dataclass(frozen=True)
class CodeList:
    name: str
    title: str
    source: str
    date: str
    multi: bool
    items: tuple[CodeItem, ...]
    note: str = ""
    _by_code: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _by_name: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for item in self.items:
            self._by_code[item.code] = item.name
            self._by_name[item.name] = item.code

    def names(self) -> list[str]:
        return [item.name for item in self.items]

    def codes(self) -> list[str]:
        return [item.code for item in self.items]

    def name_of(self, code: str) -> str | None:
        return self._by_code.get(code)

    def code_of(self, name: str) -> str | None:
        return self._by_name.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._by_name

    def __iter__(self) -> Iterator[CodeItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _parse(name: str, data: Any) -> CodeList:
    if not isinstance(data, dict):
        raise CodeListError(f"代码表 {name}：文件内容不是对象")
    try:
        items = tuple(CodeItem(code=str(i["code"]), name=str(i["name"])) for i in data["items"])
        result = CodeList(
            name=str(data["name"]),
            title=str(data["title"]),
            source=str(data["source"]),
            date=str(data["date"]),
            multi=bool(data.get("multi", False)),
            items=items,
            note=str(data.get("note", "")),
        )
    except (KeyError, TypeError) as exc:
        raise CodeListError(f"代码表 {name}：缺少字段 {exc}") from exc
    if result.name != name:
        raise CodeListError(f"代码表 {name}：文件中的 name 为 {result.name}")
    if len(set(result.codes())) != len(items):
        raise CodeListError(f"代码表 {name}：代码重复")
    if len(set(result.names())) != len(items):
        raise CodeListError(f"代码表 {name}：名称重复")
    return result


@cache
def codelist(name: str) -> CodeList:
    """The code list ``name`` (e.g. ``"ethnicity"``), read once and cached."""
    path = resource_path("codelists", f"{name}.json")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CodeListError(f"找不到代码表 {name}（{path}）") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CodeListError(f"代码表 {name}：JSON 格式错误（第{exc.lineno}行）") from exc
    return _parse(name, data)


def codelist_names() -> list[str]:
    """Names of every shipped code list, sorted."""
    return sorted(p.stem for p in resource_path("codelists").glob("*.json"))


def all_codelists() -> dict[str, CodeList]:
    return {name: codelist(name) for name in codelist_names()}
