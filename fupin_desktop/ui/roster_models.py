"""Qt table models of the roster page: households (fetched lazily, page by page), members,
visits and audit entries (bounded by one household, so loaded whole), and the region tree."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from fupin_desktop.domain import clock
from fupin_desktop.domain.codelists import CodeListError, codelist
from fupin_desktop.domain.validation import FIELD_LABELS, PersonFacts
from fupin_desktop.services.audit import AuditRow
from fupin_desktop.services.regions import RegionNode
from fupin_desktop.services.roster import VisitRow, household_page
from fupin_desktop.services.search import HouseholdFilter
from fupin_desktop.store.db import Database

if TYPE_CHECKING:
    pass

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's record (household id, MemberRow, …)
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 2  # a region's level in the tree
CODE_ROLE = Qt.ItemDataRole.UserRole + 3  # a region's 12-digit code (or None)
NAME_ROLE = Qt.ItemDataRole.UserRole + 4  # a region's name without the count
AnyIndex = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    width: int = 90
    choices: tuple[str, ...] = ()  # a code list's values: the column is made wide enough for the longest


class ListTableModel(QAbstractTableModel, Generic[T]):
    """A short list of records (one household's members, visits, audit entries) shown by columns."""

    def __init__(self, columns: Sequence[Column[T]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def record(self, row: int) -> T:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.columns[index.column()].text(row)
        if role == RECORD_ROLE:
            return row
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title if 0 <= section < len(self.columns) else None
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def age_of(birth: date | None, on: date | None = None) -> str:
    if birth is None:
        return ""
    return str(clock.age_on(birth, on or clock.today()))


def _label(name: str) -> str:
    return FIELD_LABELS[name]


def member_columns() -> list[Column[PersonFacts]]:
    def field(name: str, width: int = 90) -> Column[PersonFacts]:
        try:
            choices = tuple(codelist(name).names())
        except CodeListError:  # not a coded field (name, ID number, phone…)
            choices = ()
        return Column(_label(name), lambda p: _text(getattr(p, name)), width, choices)

    return [
        field("name", 80),
        field("relation", 80),
        field("sex", 44),
        Column("年龄", lambda p: age_of(p.birth_date), 44),
        field("id_number", 160),
        field("ethnicity", 60),
        field("education", 110),
        field("school_status", 100),
        field("health", 90),
        field("labour", 120),
        field("employment", 110),
        field("work_place", 110),
        Column("务工月数", lambda p: _text(p.work_months), 64),
        field("phone", 110),
    ]


class MemberTableModel(ListTableModel[PersonFacts]):
    """Members of one household (or of a household being entered), in roster order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(member_columns(), parent)


def _visit_changes(v: VisitRow) -> str:
    return "；".join(v.changes) if v.changes else "（无变更）"


class VisitTableModel(ListTableModel[VisitRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("走访日期", lambda v: f"{v.visit_date:%Y-%m-%d}", 90),
                Column("走访人", lambda v: v.visitors, 110),
                Column("方式", lambda v: v.method, 80),
                Column("情况记录", lambda v: v.notes, 220),
                Column("本次变更", _visit_changes, 360),
            ],
            parent,
        )


def local_time(moment: datetime, *, seconds: bool = False) -> str:
    """Times are stored as naive UTC; show them in the laptop's time zone."""
    return moment.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


class AuditTableModel(ListTableModel[AuditRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("时间", lambda a: local_time(a.at, seconds=True), 140),
                Column("操作员", lambda a: a.operator, 70),
                Column("操作", lambda a: a.action, 50),
                Column("项目", lambda a: a.field, 100),
                Column("原值", lambda a: a.old_value, 160),
                Column("新值", lambda a: a.new_value, 160),
            ],
            parent,
        )


EMPLOYED_COLUMN = 3  # 有就业劳动力: computed per fetched page, not a column of the query
EMPLOYED_TIP = "至少一名劳动年龄内成员在务工或已就业（一户一人就业）"
HOUSEHOLD_COLUMNS: list[tuple[str, int]] = [
    ("户编号", 140),
    ("户主", 70),
    ("人数", 40),
    ("有就业劳动力", 96),
    ("村", 90),
    (FIELD_LABELS["village_group"], 70),
    (FIELD_LABELS["household_type"], 110),
    (FIELD_LABELS["status"], 110),
    (FIELD_LABELS["card_no"], 160),
    (FIELD_LABELS["phone"], 110),
    (FIELD_LABELS["address"], 200),
    ("查找匹配", 260),
]
MATCH_COLUMN = len(HOUSEHOLD_COLUMNS) - 1  # which member the search text matched: computed per fetched page


class HouseholdTableModel(QAbstractTableModel):
    """The household list of a filter, fetched from the database a page at a time as the view scrolls.

    ``total`` is the number of matches (for a text search counted up to ``COUNT_CAP`` only;
    ``total_is_exact`` says whether it was cut). Rows are (id, household_no, head, members,
    village, group, type, status, card no, phone, address) as services.search returns them;
    whether a household has an employed working-age member is asked once per fetched page.
    """

    PAGE = 300
    COUNT_CAP = 1000

    def __init__(self, database: Database, parent: Any = None) -> None:
        super().__init__(parent)
        self._database = database
        self._filter = HouseholdFilter()
        self._rows: list[tuple[object, ...]] = []
        self._employed: set[uuid.UUID] = set()
        self._matched: dict[uuid.UUID, str] = {}
        self._exhausted = True
        self.total = 0
        self.total_is_exact = True
        self.last_refresh_ms = 0.0

    @property
    def filter(self) -> HouseholdFilter:
        return self._filter

    def set_filter(self, flt: HouseholdFilter) -> None:
        """Count the matches and load the first page (one short session)."""
        started = time.perf_counter()
        cap = self.COUNT_CAP if flt.text.strip() else None
        page = self._database.read(household_page, flt, 0, self.PAGE, on=clock.today(), count_cap=cap)
        first, total, employed, matched = page.rows, page.total, page.employed, page.matched
        self.beginResetModel()
        self._filter = flt
        self._rows = first
        self._employed = employed
        self._matched = matched
        self._exhausted = len(first) < self.PAGE
        self.total = total
        self.total_is_exact = cap is None or total < cap
        self.endResetModel()
        self.last_refresh_ms = (time.perf_counter() - started) * 1000

    def refresh(self) -> None:
        self.set_filter(self._filter)

    def household_id(self, row: int) -> uuid.UUID:
        value = self._rows[row][0]
        assert isinstance(value, uuid.UUID)
        return value

    def row_of(self, household_id: uuid.UUID) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r[0] == household_id), None)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HOUSEHOLD_COLUMNS)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid() or self._exhausted:
            return
        more = self._database.read(household_page, self._filter, len(self._rows), self.PAGE, on=clock.today())
        self._employed |= more.employed
        self._matched.update(more.matched)
        self._exhausted = len(more.rows) < self.PAGE
        if more.rows:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more.rows) - 1)
            self._rows.extend(more.rows)
            self.endInsertRows()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if column == MATCH_COLUMN:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return self._matched.get(row[0], "")  # type: ignore[call-overload]
        elif column == EMPLOYED_COLUMN:
            if role == Qt.ItemDataRole.DisplayRole:
                return "是" if row[0] in self._employed else "否"
            if role == Qt.ItemDataRole.ToolTipRole:
                return EMPLOYED_TIP
        elif role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _text(row[column + 1 if column < EMPLOYED_COLUMN else column])
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, EMPLOYED_COLUMN):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == RECORD_ROLE:
            return row[0]
        return None

    def matched(self, household_id: uuid.UUID) -> str:
        """The members the search text matched in this household, with what matched ("" without a search)."""
        return self._matched.get(household_id, "")

    def has_employed_member(self, row: int) -> bool:
        return self._rows[row][0] in self._employed

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and orientation == Qt.Orientation.Horizontal
            and section == EMPLOYED_COLUMN
        ):
            return EMPLOYED_TIP
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HOUSEHOLD_COLUMNS[section][0] if 0 <= section < len(HOUSEHOLD_COLUMNS) else None
        return str(section + 1)


def build_region_model(nodes: list[RegionNode], model: QStandardItemModel) -> None:
    """Fill the tree: each region as "name（N户）", its id in RECORD_ROLE and level in LEVEL_ROLE."""
    model.clear()
    model.setHorizontalHeaderLabels(["区划"])
    items: dict[uuid.UUID, QStandardItem] = {}
    for node in nodes:
        item = QStandardItem(f"{node.name}（{node.household_count}户）")
        item.setEditable(False)
        item.setData(node.id, RECORD_ROLE)
        item.setData(node.level, LEVEL_ROLE)
        item.setData(node.code, CODE_ROLE)
        item.setData(node.name, NAME_ROLE)
        item.setToolTip(f"{node.name}　区划代码：{node.code or '未填'}　{node.household_count}户")
        items[node.id] = item
    for node in nodes:
        parent = items.get(node.parent_id) if node.parent_id else None
        (parent or model.invisibleRootItem()).appendRow(items[node.id])
