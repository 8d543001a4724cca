"""Text longer than its column is refused before it reaches the database, the same way on both engines.

SQLite stores a 200-character address in a 120-character column without a word; PostgreSQL refuses the
whole statement with a driver error. The rules in ``domain/validation.py`` check what people type into
households and members, field by field, with a message in the form or the sheet's row; this check at
every flush is the floor under everything else (visits, intentions, notices, regions): a value that
does not fit becomes one Chinese refusal naming the field and its limit, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from fupin_desktop.domain.validation import FIELD_LABELS, too_long
from fupin_desktop.store.errors import StoreError

# The Chinese term for columns that are not attributes of a household or a member.
_LABELS: dict[tuple[str, str], str] = {
    ("region", "name"): "区划名称",
    ("region", "code"): "区划代码",
    ("public_notice", "title"): "公示标题",
    ("public_notice", "place"): "公示地点",
    ("public_notice", "complaint_phone"): "监督电话",
    ("public_notice", "issuing_unit"): "发布单位",
    ("submission", "unit_name"): "填表单位",
    ("visit", "visitors"): "走访人员",
    ("visit", "method"): "走访方式",
    ("intention", "occupation"): "培训工种",
    ("intention", "major"): "专业",
    ("intention", "school"): "院校",
    ("intention", "training_type"): "培训类型",
    ("intention", "referral_source"): "推荐来源",
    ("intention", "provider"): "培训机构",
    ("intention", "class_name"): "培训班",
    ("intention", "certificate"): "证书",
    ("intention", "employer"): "就业单位",
    ("intention", "employ_place"): "就业地点",
    ("objection", "raised_by"): "异议人",
    ("objection", "method"): "异议方式",
    ("operator", "name"): "账号名",
}
_TABLE_LABELS = {
    "household": "户",
    "person": "成员",
    "region": "区划",
    "public_notice": "公示",
    "visit": "走访记录",
    "intention": "意愿",
    "objection": "异议",
    "operator": "账号",
    "submission": "上报表",
}


class ValueTooLong(StoreError):
    """A text does not fit in its column: refused, nothing written."""


def label(table: str, column: str) -> str:
    return _LABELS.get((table, column)) or FIELD_LABELS.get(column) or f"{_TABLE_LABELS.get(table, table)}的{column}"


def check_lengths(session: Session, _context: object = None, _instances: object = None) -> None:
    """Before a flush: every new text, and every changed one, fits in its column."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        table = state.mapper.local_table
        for column in state.mapper.columns:
            limit = getattr(column.type, "length", None)
            if not isinstance(column.type, String) or limit is None or column.table is not table:
                continue
            key = state.mapper.get_property_by_column(column).key
            if obj not in session.new and not state.attrs[key].history.has_changes():
                continue
            value: Any = state.dict.get(key)
            if isinstance(value, str):
                message = too_long(label(table.name, column.name), limit, value)
                if message is not None:
                    raise ValueTooLong(f"{message}，请缩短后再保存，未作任何改动。")


def install_length_check(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", check_lengths)


__all__ = ["ValueTooLong", "check_lengths", "install_length_check", "label"]
