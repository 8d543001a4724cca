"""统计 page: the coverage figures of an area as charts with a table beside each, drill-down by region,
and the people behind every bar or cell (from where the household form opens).

The figures are computed by services/statistics.py off the UI thread; this page only shows them.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.accounts import Role
from fupin_desktop.domain.clock import today
from fupin_desktop.services.statistics import (
    FIGURE_KEYS,
    FIGURE_TITLES,
    SIDE_EXITS,
    FigureTable,
    PeoplePage,
    PersonBehind,
    Statistics,
    compute_statistics,
    export_statistics,
    people_behind,
    title_lines,
)
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.household_form import HouseholdDialog
from fupin_desktop.ui.printing import export_start_folder, print_folder, show_pdf
from fupin_desktop.ui.roster_models import RECORD_ROLE, Column, ListTableModel
from fupin_desktop.ui.statistics_chart import BarChart, ChartData
from fupin_desktop.ui.tasks import TaskControl, run_task

AnyIndex = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200
SORT_ROLE = Qt.ItemDataRole.UserRole + 20  # a cell's value as a number (the region's code for names)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LINK = QColor("#0b5cad")


class FigureTableModel(QAbstractTableModel):
    """One figure: a row per child region and the 合计 row; 区划, the counts, then the rates.
    RECORD_ROLE gives (row index or None for 合计, column key or None for the name and rate columns)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.table: FigureTable | None = None
        self.drillable = False  # whether a region's name opens the area below it
        # Per row: the texts shown, the values sorted by, and the column keys; built once per table, since
        # a view asks for each cell many times while it lays out (column widths, sorting, painting).
        self._text: list[list[str]] = []
        self._sort: list[list[Any]] = []
        self._keys: list[str | None] = []
        self._columns = 0
        self._bold = QFont()
        self._bold.setBold(True)

    def set_table(self, table: FigureTable, drillable: bool = False) -> None:
        self.beginResetModel()
        self.table = table
        self.drillable = drillable
        self._keys = [None, *(c.key for c in table.columns), *(None for _rate in table.spec.rates)]
        self._columns = len(self._keys)
        self._text, self._sort = [], []
        for row in (None, *range(len(table.rows))):
            values = [table.value(row, c.key) for c in table.columns]
            rates = [table.rate(row, numerator, denominator) for _l, numerator, denominator in table.spec.rates]
            name = "合计" if row is None else table.rows[row].name
            self._text.append([name, *(f"{v:,}" for v in values), *("—" if r is None else f"{r}%" for r in rates)])
            code = "" if row is None else (table.rows[row].code or "")
            self._sort.append([code, *values, *(-1.0 if r is None else float(r) for r in rates)])
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.table = None
        self._text, self._sort, self._keys, self._columns = [], [], [], 0
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._text)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._columns

    def column_texts(self, column: int) -> list[str]:
        return [texts[column] for texts in self._text]

    def _row(self, index: int) -> int | None:
        """The 合计 row comes first, so that it stays in sight above twenty villages."""
        return None if index == 0 else index - 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.table is None:
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            return self._text[row][column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return _LINK if column == 0 and row and self.drillable else None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if row == 0 else None
        if role == RECORD_ROLE:
            return (self._row(row), self._keys[column])
        if role == SORT_ROLE:
            return self._sort[row][column]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.table is None or role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        counts = len(self.table.columns)
        if section == 0:
            return "区划"
        if section <= counts:
            label = self.table.columns[section - 1].label
        elif section <= counts + len(self.table.spec.rates):
            label = self.table.spec.rates[section - counts - 1][0]
        else:
            return None
        # A wide table's titles in lines about three characters wide: thirteen columns then fit beside the
        # chart at 1366 pixels without scrolling.
        return title_lines(label, 3) if self._columns > WIDE else two_lines(label)


class FigureSortModel(QSortFilterProxyModel):
    """Sorts the regions by the column clicked (numbers as numbers); 合计 stays on top either way."""

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        left_row, right_row = left.data(RECORD_ROLE)[0], right.data(RECORD_ROLE)[0]
        if left_row is None or right_row is None:
            return (left_row is None) == (self.sortOrder() == Qt.SortOrder.AscendingOrder)
        return bool(left.data(SORT_ROLE) < right.data(SORT_ROLE))


def two_lines(label: str) -> str:
    """A long column title on two lines (the header is two lines high), so that the table stays narrow:
    before a unit in brackets, before 人数/户数/比例, after 其中, or in the middle."""
    if len(label) <= 5:
        return label
    for mark in ("(", "（"):
        if mark in label[1:]:
            at = label.index(mark, 1)
            return f"{label[:at]}\n{label[at:]}"
    if label.endswith(("人数", "户数", "比例")):
        return f"{label[:-2]}\n{label[-2:]}"
    at = 2 if label.startswith("其中") else (len(label) + 1) // 2
    return f"{label[:at]}\n{label[at:]}"


HINT_DRILL = "点击村（乡镇）名进入下一级；"
HINT = "点击数字或条形查看名单，名单中双击打开农户；点击表头按该列排序。"
WIDE = 6  # a table of more columns than this (the funnel, the subsidies) gets titles of narrow lines


def chart_data(table: FigureTable, drillable: bool) -> ChartData:
    """Per region, the chart's series (the rate under the name); a figure without chart columns (the
    funnel) is one bar per column for the whole area."""
    if not table.spec.chart_columns:
        return ChartData(
            tuple(c.label for c in table.columns),
            (f"数量（{table.spec.subject}）",),
            tuple((value,) for value in table.totals),
            muted=tuple(c.key in SIDE_EXITS for c in table.columns),
        )
    keys = table.spec.chart_columns
    notes: tuple[str, ...] = ()
    label = ""
    if table.spec.rates and {table.spec.rates[0][1], table.spec.rates[0][2]} == set(keys):
        label, numerator, denominator = table.spec.rates[0]
        notes = tuple(
            f"{rate}%" if (rate := table.rate(r, numerator, denominator)) is not None else ""
            for r in range(len(table.rows))
        )
    return ChartData(
        tuple(r.name for r in table.rows),
        tuple(table.columns[table.index(k)].label for k in keys),
        tuple(tuple(table.value(r, k) for k in keys) for r in range(len(table.rows))),
        notes,
        tuple(drillable for _region in table.rows),
        label,
    )


class FigurePane(QWidget):
    """A chart on the left, the table on the right, the definition above them."""

    def __init__(self, page: StatisticsPage) -> None:
        super().__init__()
        self.page = page
        self.table: FigureTable | None = None
        self.pending: tuple[FigureTable, bool] | None = None
        self.definition = QLabel()
        self.definition.setWordWrap(True)
        self.definition.setStyleSheet("color: #444;")
        self.chart = BarChart()
        self.chart.bar_clicked.connect(self._bar_clicked)
        self.chart.label_clicked.connect(self._label_clicked)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.chart)
        scroll.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.model = FigureTableModel(self)
        self.sorted = FigureSortModel(self)
        self.sorted.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.sorted)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the regions' own order until a title is clicked
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.setWordWrap(True)
        self.view.clicked.connect(self._cell_clicked)
        self.hint = QLabel(HINT_DRILL + HINT)
        self.hint.setStyleSheet("color: #666;")
        self.splitter = QSplitter()
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.view)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)  # a wider window widens the chart; the table keeps its columns
        self.splitter.setStretchFactor(1, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.definition)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.hint)

    def clear(self) -> None:
        self.table = None
        self.pending = None
        self.model.clear()
        self.chart.set_data(ChartData((), (), ()))

    def hold_table(self, table: FigureTable, drillable: bool) -> None:
        """Keep ``table`` to be drawn when the tab comes into sight: a hidden tab costs nothing."""
        if self.isVisible():
            self.show_table(table, drillable)
        else:
            self.pending = (table, drillable)

    def showEvent(self, event: QShowEvent) -> None:
        """Drawn when it comes into sight: its tab chosen, or the page shown again after it was counted."""
        super().showEvent(event)
        if self.pending is not None:
            self.show_table(*self.pending)

    def show_table(self, table: FigureTable, drillable: bool) -> None:
        self.pending = None
        if self.table is not None and _same(self.table, table) and self.model.drillable == drillable:
            self.table = table  # counted again with the same result (the rest of the page came in): kept as drawn
            return
        self.table = table
        self.hint.setText((HINT_DRILL if drillable else "") + HINT)  # a village has no level below it
        self.definition.setText(table.spec.definition)
        self.model.set_table(table, drillable)
        self.chart.set_data(chart_data(table, drillable))
        header = self.view.horizontalHeader()
        titles = [str(self.model.headerData(c, Qt.Orientation.Horizontal)) for c in range(self.model.columnCount())]
        lines = max((title.count("\n") + 1 for title in titles), default=1)
        header.setMinimumHeight(max(2, lines) * self.view.fontMetrics().height() + 10)
        wide = self.model.columnCount() > WIDE
        for column in range(self.model.columnCount()):
            # Widths measured once per table: a column kept in ResizeToContents is measured again at every
            # layout, each time asking every cell.
            stretch = column and not wide
            header.setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.Interactive
            )
            if not stretch:
                header.resizeSection(column, self._fitting_width(column))
        # A wide table (the funnel's thirteen states, the subsidies) gets the width its columns take and the
        # chart the rest (at least a quarter); a narrow one shares the width with its chart of regions.
        total = max(2, self.splitter.width() - self.splitter.handleWidth())
        if wide:
            frame = 2 * self.view.frameWidth() + self.view.verticalScrollBar().sizeHint().width()
            table_width = min(int(total * 0.74), header.length() + frame)
        else:
            table_width = total - int(total * 0.58)
        self.splitter.setSizes([total - table_width, table_width])

    def _fitting_width(self, column: int) -> int:
        """The column's widest text (the 合计 row in bold) or its title, whichever is wider: what
        resizeColumnToContents gives, without asking every cell for every role."""
        texts = self.model.column_texts(column)
        bold = QFont(self.view.font())
        bold.setBold(True)
        widest = max(
            [QFontMetrics(bold).horizontalAdvance(texts[0])]
            + [self.view.fontMetrics().horizontalAdvance(text) for text in texts[1:]]
        )
        # The header's own size hint measures a title of several lines as one line: measured by line here.
        title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
        header = self.view.horizontalHeader()
        title_width = max(header.fontMetrics().horizontalAdvance(line) for line in title.split("\n"))
        return max(widest + 14, title_width + 26)  # room for the sort arrow

    def _bar_clicked(self, category: int, series: int) -> None:
        if self.table is None:
            return
        if not self.table.spec.chart_columns:
            self.page.open_people(self.table, None, self.table.columns[category].key)
        else:
            self.page.open_people(self.table, category, self.table.spec.chart_columns[series])

    def _label_clicked(self, category: int) -> None:
        if self.table is not None:
            self.page.drill_down(self.table.rows[category].id)

    def _cell_clicked(self, index: QModelIndex) -> None:
        if self.table is None:
            return
        row, key = index.data(RECORD_ROLE)
        if key is not None:
            self.page.open_people(self.table, row, key)
        elif index.column() == 0 and row is not None and self.model.drillable:
            self.page.drill_down(self.table.rows[row].id)


def _same(a: FigureTable, b: FigureTable) -> bool:
    return (a.key, a.rows, a.counts, a.totals, a.spec.definition) == (
        b.key,
        b.rows,
        b.counts,
        b.totals,
        b.spec.definition,
    )


def _people_columns(amount: bool) -> list[Column[PersonBehind]]:
    columns = [
        Column[PersonBehind]("姓名", lambda p: p.name if p.person_id else f"{p.name}（户主）", 110),
        Column[PersonBehind]("性别", lambda p: p.sex or "", 44),
        Column[PersonBehind]("村", lambda p: p.village, 120),
        Column[PersonBehind]("户编号", lambda p: p.household_no, 160),
    ]
    if amount:
        columns.append(Column[PersonBehind]("金额(元)", lambda p: f"{p.count:,}", 90))
    return columns


class PeopleDialog(QDialog):
    """The people (or households) behind one count, page by page; double-click opens the household."""

    def __init__(self, page: StatisticsPage, table: FigureTable, row: int | None, key: str, first: PeoplePage) -> None:
        super().__init__(page)
        self.page = page
        self.table, self.row, self.key = table, row, key
        column = table.columns[table.index(key)]
        where = "合计" if row is None else table.rows[row].name
        self.setWindowTitle(f"{table.title} — {where} — {column.label}")
        self.total = first.total
        self.model: ListTableModel[PersonBehind] = ListTableModel(_people_columns(not column.people), self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.doubleClicked.connect(self.open_household)
        for i, c in enumerate(self.model.columns):
            self.view.setColumnWidth(i, c.width)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel()
        self.more = QPushButton("显示更多")
        self.more.clicked.connect(self.load_more)
        self.open_button = QPushButton("打开农户")
        self.open_button.clicked.connect(lambda: self.open_household(self.view.currentIndex()))
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        row_layout = QHBoxLayout()
        row_layout.addWidget(self.summary, 1)
        row_layout.addWidget(self.more)
        row_layout.addWidget(self.open_button)
        row_layout.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(row_layout)
        self.resize(620, 520)
        self.household_dialog: HouseholdDialog | None = None
        self._add(first)

    def _add(self, found: PeoplePage) -> None:
        self.model.set_rows([*self.model.rows(), *found.people])
        shown = self.model.rowCount()
        self.summary.setText(f"共{self.total}{self.table.spec.subject}，已显示{shown}")
        self.more.setEnabled(shown < self.total)

    def load_more(self) -> None:
        offset = self.model.rowCount()
        self.more.setEnabled(False)
        self.page.fetch_people(self.table, self.row, self.key, offset, self._add)

    def open_household(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        record = self.model.record(index.row())
        dialog = HouseholdDialog(self.page.context, household_id=record.household_id, parent=self)
        self.household_dialog = dialog
        dialog.open()


class StatisticsPage(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.stats: Statistics | None = None
        self.region_id: uuid.UUID | None = None
        self.loading = False
        self._stale = True
        self.people_dialog: PeopleDialog | None = None
        self.path_bar = QHBoxLayout()
        self.path_bar.setSpacing(2)
        self.up_button = QPushButton("上一级")
        self.up_button.clicked.connect(self.go_up)
        self.year = QSpinBox()
        self.year.setRange(2015, today().year)
        self.year.setValue(today().year)
        self.year.setSuffix("年")
        self.year.valueChanged.connect(lambda _v: self.load())
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.load)
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("本页五张图表和表格的A4 PDF，预览后打印")
        self.print_button.clicked.connect(self.print_page)
        self.export_button = QPushButton("导出…")
        self.export_button.setToolTip("把本页的图表和表格导出为A4 PDF和xlsx，保存到选择的文件夹")
        self.export_button.clicked.connect(self.export)
        self.status = QLabel()
        self.status.setStyleSheet("color: #666;")
        top = QHBoxLayout()
        top.addWidget(QLabel("区划："))
        top.addLayout(self.path_bar)
        top.addWidget(self.up_button)
        top.addStretch(1)
        top.addWidget(self.status)
        top.addWidget(QLabel("年度："))
        top.addWidget(self.year)
        top.addWidget(self.refresh_button)
        top.addWidget(self.print_button)
        top.addWidget(self.export_button)
        self.tabs = QTabWidget()
        self.panes: dict[str, FigurePane] = {}
        for key in FIGURE_KEYS:
            self.panes[key] = FigurePane(self)
            self.tabs.addTab(self.panes[key], FIGURE_TITLES[key])
        self._generation = 0
        self._counted: dict[str, FigureTable] = {}  # the figures of the area being loaded, as they come in
        self._path_shown: tuple[Any, ...] | None = None
        self.first_shown = False  # the tab in sight has its figure (the others may still be counted)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        context.data_changed.connect(self._data_changed)
        context.account_changed.connect(self._forget_path)  # the path's links depend on the account
        context.profile_changed.connect(self._data_changed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and not self.loading:
            QTimer.singleShot(0, self.load)

    def _data_changed(self, *_args: object) -> None:
        self._stale = True
        if self.isVisible():
            self.load()

    def current_key(self) -> str:
        return FIGURE_KEYS[max(0, self.tabs.currentIndex())]

    def load(self, region_id: uuid.UUID | None = None) -> None:
        """Compute the figures of ``region_id`` (default: the region shown) off the UI thread, one at a
        time: the tab in sight first, then whichever tab is in sight when the one before is done."""
        if region_id is not None:
            self.region_id = region_id
        self._generation += 1
        self.loading = True
        self.first_shown = False
        self._stale = False
        self._counted = {}
        self.status.setText("正在统计……")
        self._count_next(self._generation, self.region_id, self.year.value())

    def _count_next(self, generation: int, region: uuid.UUID | None, year: int) -> None:
        database, viewer = self.context.database, self.context.actor
        missing = [key for key in FIGURE_KEYS if key not in self._counted]
        key = self.current_key() if self.current_key() in missing else missing[0]

        def work(_control: TaskControl) -> Statistics:
            return compute_statistics(database, region_id=region, year=year, keys=(key,), viewer=viewer)

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self._failed(error)

        def counted(stats: Statistics) -> None:
            if generation != self._generation:
                return
            self._counted[key] = stats.figures[0]
            complete = len(self._counted) == len(FIGURE_KEYS)
            figures = tuple(self._counted[k] for k in FIGURE_KEYS if k in self._counted)
            self.show_statistics(replace(stats, figures=figures), complete=complete)
            if not complete:
                self._count_next(generation, region, year)

        task = run_task(self, "正在统计", work, counted, failed, cancellable=False)
        if self._counted:
            task.dialog.setMinimumDuration(3_600_000)  # the page is already in sight: fill the other tabs quietly

    def _failed(self, error: BaseException) -> None:
        self.loading = False
        self.status.setText("")
        if isinstance(error, messages.EXPECTED_ERRORS):
            messages.show_error(self, error)
        else:
            raise error

    def show_statistics(self, stats: Statistics, complete: bool = True) -> None:
        """Fill the panes of ``stats``; when it is not ``complete`` the other panes wait, emptied."""
        self.stats = stats
        self.region_id = stats.area.region.id if stats.area.region else None
        if stats.area.path != self._path_shown:
            self._show_path(stats)
            self._path_shown = stats.area.path
        drillable = stats.area.region is None or stats.area.region.level != "village"
        shown = {table.key for table in stats.figures}
        for table in stats.figures:
            self.panes[table.key].hold_table(table, drillable)
        if not complete:
            for key, pane in self.panes.items():
                if key not in shown and (pane.table is not None or pane.pending is not None):
                    pane.clear()
        self.first_shown = True
        self.loading = not complete
        self.status.setText(f"统计期间：{stats.period.label}" + ("" if complete else "（其余各页统计中……）"))

    def _show_path(self, stats: Statistics) -> None:
        while self.path_bar.count():
            item = self.path_bar.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        path = stats.area.path
        # A 村级录入员's figures stop at their village: the township and county above are named, not links,
        # and 上一级 is off (the service would show the village again, and the click would seem lost).
        own_village_only = self.context.account is not None and self.context.account.role is Role.VILLAGE_CLERK
        for i, region in enumerate(path):
            if i:
                self.path_bar.addWidget(QLabel("›"))
            if own_village_only and i < len(path) - 1:
                self.path_bar.addWidget(QLabel(region.name))
                continue
            if i == len(path) - 1:
                here = QLabel(f"<b>{region.name}</b>")
                self.path_bar.addWidget(here)
                continue
            button = QPushButton(region.name)
            button.setFlat(True)
            # Text-sized: a flat button keeps the style's minimum width, which spread the path apart.
            button.setStyleSheet("QPushButton { color: #0b5cad; border: none; padding: 2px 3px; }")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"回到{region.name}")
            button.clicked.connect(lambda _checked=False, rid=region.id: self.load(rid))
            self.path_bar.addWidget(button)
        if not path:
            self.path_bar.addWidget(QLabel("全部区划"))
        self.up_button.setEnabled(len(path) > 1 and not own_village_only)
        self.up_button.setToolTip("村级录入员的统计只含本村" if own_village_only else "")

    def _forget_path(self) -> None:
        self._path_shown = None

    def go_up(self) -> None:
        if self.stats is not None and len(self.stats.area.path) > 1:
            self.load(self.stats.area.path[-2].id)

    def drill_down(self, region_id: uuid.UUID) -> None:
        self.load(region_id)

    def fetch_people(self, table: FigureTable, row: int | None, key: str, offset: int, done: Any) -> None:
        database, region, year = self.context.database, self.region_id, self.year.value()
        viewer = self.context.actor

        def work(_control: TaskControl) -> PeoplePage:
            return people_behind(
                database,
                figure=table.key,
                column=key,
                region_id=region,
                row=row,
                viewer=viewer,
                year=year,
                offset=offset,
                limit=PAGE_SIZE,
            )

        run_task(self, "正在读取名单", work, done, cancellable=False)

    def open_people(self, table: FigureTable, row: int | None, key: str) -> None:
        def show(first: PeoplePage) -> None:
            dialog = PeopleDialog(self, table, row, key, first)
            self.people_dialog = dialog
            dialog.open()

        self.fetch_people(table, row, key, 0, show)

    def export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "导出统计到文件夹", str(export_start_folder()))
        if folder:
            self.export_to(Path(folder))

    def print_page(self) -> None:
        self.export_to(print_folder(), preview=True)

    def export_to(self, folder: Path, preview: bool = False) -> None:
        """Write the page's PDF and xlsx into ``folder``; ``preview``: then show the PDF with its 打印 button."""
        database, region, year = self.context.database, self.region_id, self.year.value()
        viewer = self.context.actor

        def work(_control: TaskControl) -> tuple[Path, Path]:
            return export_statistics(database, out_dir=folder, region_id=region, year=year, viewer=viewer)

        def done(paths: tuple[Path, Path]) -> None:
            if preview:
                show_pdf(self, paths[1])
            else:
                self.status.setText(f"已导出到{folder}：{paths[0].name}、{paths[1].name}")

        run_task(self, "正在准备打印" if preview else "正在导出统计", work, done, cancellable=False)
