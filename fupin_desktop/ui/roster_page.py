"""农户 page: region tree, household list with find-as-you-type, the selected household's members
and visit history, and the buttons that open the entry forms."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, QPoint, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain import clock
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import remove_household, remove_person
from fupin_desktop.services.printouts import PrintResult, print_visit_form
from fupin_desktop.services.regions import RegionImportRefused, import_regions, region_nodes, station_county
from fupin_desktop.services.roster import household_panel, village_of_household
from fupin_desktop.services.roster_export import RosterExport, area_name, export_roster, roster_file_name
from fupin_desktop.services.search import HouseholdFilter
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.folders import remember_save_folder, save_folder
from fupin_desktop.ui.household_form import HouseholdDialog
from fupin_desktop.ui.move_member_dialog import MoveMemberDialog
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.person_form import PersonDialog
from fupin_desktop.ui.printing import make_printout
from fupin_desktop.ui.region_dialog import AddRegionDialog, CountyDialog, MergeVillageDialog, RenameRegionDialog
from fupin_desktop.ui.roster_models import (
    CODE_ROLE,
    HOUSEHOLD_COLUMNS,
    LEVEL_ROLE,
    NAME_ROLE,
    RECORD_ROLE,
    HouseholdTableModel,
    MemberTableModel,
    VisitTableModel,
    build_region_model,
)
from fupin_desktop.ui.tasks import Task, TaskControl, run_task
from fupin_desktop.ui.visit_dialog import VisitDialog

# Search waits for this pause in typing, so that a fast typist or a paste runs one query, not one per
# character; short enough that keystroke → rows stays under 100 ms (benchmarks/bench_window.py).
SEARCH_DELAY_MS = 40
ALL = "全部"


def _table(model: object) -> QTableView:
    table = QTableView()
    table.setModel(model)  # type: ignore[arg-type]
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setHighlightSections(False)
    table.setTabKeyNavigation(False)  # Tab leaves the list (arrows move in it); otherwise it walks every cell
    return table


class RosterPage(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.dialog: QWidget | None = None  # the form open now (tests drive it)
        self._current: uuid.UUID | None = None
        self.exported: RosterExport | None = None  # the last roster written (tests read it)

        # left: regions
        self.region_model = QStandardItemModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.region_model)
        self.tree.setHeaderHidden(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._region_menu)
        self.tree.setMinimumWidth(200)
        self.add_township_button = QPushButton("新增乡镇")
        self.add_village_button = QPushButton("新增村")
        self.add_township_button.clicked.connect(self.add_township)
        self.add_village_button.clicked.connect(self.add_village)
        self.region_menu_button = QToolButton()
        self.region_menu_button.setText("区划")
        self.region_menu_button.setMinimumWidth(64)
        self.region_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        region_menu = QMenu(self.region_menu_button)
        region_menu.addAction("设置本站所属县…", self.choose_county)
        region_menu.addAction("导入区划代码表…", self.choose_regions_file)
        region_menu.addSeparator()
        self.rename_action = region_menu.addAction("改名…", self.rename_region)
        self.merge_action = region_menu.addAction("撤并到另一个村…", self.merge_village)
        self.region_menu_button.setMenu(region_menu)
        region_buttons = QHBoxLayout()
        region_buttons.setContentsMargins(0, 0, 0, 0)
        for widget in (self.add_township_button, self.add_village_button, self.region_menu_button):
            region_buttons.addWidget(widget)
        region_panel = QWidget()
        region_layout = QVBoxLayout(region_panel)
        region_layout.setContentsMargins(0, 0, 0, 0)
        region_layout.addWidget(self.tree, 1)
        region_layout.addLayout(region_buttons)

        # centre: search, filters, households
        self.search = QLineEdit()
        self.search.setPlaceholderText("查找：姓名、拼音首字母（如 zsf）、身份证号、扶贫卡编号、电话")
        self.search.setClearButtonEnabled(True)
        self.search_everywhere = QCheckBox("在全部区划中查找")
        self.type_filter = QComboBox()
        self.type_filter.addItems([ALL, *codelist("household_type").names()])
        self.status_filter = QComboBox()
        self.status_filter.addItems([ALL, *codelist("household_status").names()])
        self.open_filter = QCheckBox("有在办意愿")
        self.count_label = QLabel()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self.apply_filter)
        for combo in (self.type_filter, self.status_filter):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.open_filter.toggled.connect(self.apply_filter)
        self.search_everywhere.toggled.connect(self.apply_filter)

        self.households = HouseholdTableModel(context.database, self)
        self.household_table = _table(self.households)
        for column, (_title, width) in enumerate(HOUSEHOLD_COLUMNS):
            self.household_table.setColumnWidth(column, width)
        self.household_table.horizontalHeader().setStretchLastSection(True)
        self.household_table.doubleClicked.connect(lambda _i: self.edit_household())
        self.household_table.selectionModel().selectionChanged.connect(self._household_selected)

        self.add_button = QPushButton("新增农户")
        self.edit_button = QPushButton("修改户信息")
        self.visit_button = QPushButton("登记走访")
        self.delete_button = QPushButton("删除农户")
        self.print_button = QPushButton("打印走访记录表")
        self.print_button.setToolTip(
            "入户走访记录表：本户（已填成员，供下次走访）、选中的走访记录，或空白表（纸质备用）"
        )
        self.print_menu = QMenu(self.print_button)
        self.print_household_action = self.print_menu.addAction(
            "本户（已填成员）…", lambda: self.print_visit_form("household")
        )
        self.print_visit_action = self.print_menu.addAction("选中的走访记录…", lambda: self.print_visit_form("visit"))
        self.print_menu.addAction("空白表…", lambda: self.print_visit_form("blank"))
        self.print_menu.addSeparator()
        self.export_household_action = self.print_menu.addAction(
            "本户导出PDF…", lambda: self.print_visit_form("household", export=True)
        )
        self.print_menu.addAction("空白表导出PDF…", lambda: self.print_visit_form("blank", export=True))
        self.print_menu.aboutToShow.connect(self._update_print_menu)
        self.print_button.setMenu(self.print_menu)
        self.export_button = QPushButton("导出花名册…")
        self.export_button.setToolTip("把左侧所选区划（或当前查找结果）的农户和成员导出为Excel花名册")
        self.export_button.clicked.connect(self.choose_roster_file)
        self.add_button.setToolTip("Ctrl+N")
        self.visit_button.setToolTip("Ctrl+R")
        self.add_button.clicked.connect(self.add_household)
        self.edit_button.clicked.connect(self.edit_household)
        self.visit_button.clicked.connect(self.record_visit)
        self.delete_button.clicked.connect(self.delete_household)
        # The window shows these in its 农户 menu, each with its shortcut.
        self.menu_title = "农户(&N)"
        # Offered, like their buttons, while a household is chosen.
        self.visit_action = self._action("登记走访(&R)…", self.record_visit, "Ctrl+R")
        self.add_member_action = self._action("添加成员(&M)…", self.add_member, "Ctrl+M")
        self.menu_actions: list[QAction | None] = [
            self._action("新增农户(&N)…", self.add_household, "Ctrl+N"),
            self._action("查找(&F)", lambda: (self.search.setFocus(), self.search.selectAll()), "Ctrl+F"),
            self.visit_action,
            self.add_member_action,
            None,
            self._action("新增乡镇…", self.add_township),
            self._action("新增村…", self.add_village),
            self._action("导入区划代码表…", self.choose_regions_file),
            None,
            self._action("导出花名册(&E)…", self.choose_roster_file, "Ctrl+E"),
        ]

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.search_everywhere)
        filters.addWidget(QLabel(FIELD_LABELS["household_type"] + "："))
        filters.addWidget(self.type_filter)
        filters.addWidget(QLabel(FIELD_LABELS["status"] + "："))
        filters.addWidget(self.status_filter)
        filters.addWidget(self.open_filter)
        actions = QHBoxLayout()
        actions.addWidget(self.count_label, 1)
        for button in (
            self.add_button,
            self.edit_button,
            self.visit_button,
            self.print_button,
            self.delete_button,
            self.export_button,
        ):
            actions.addWidget(button)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addLayout(filters)
        centre_layout.addLayout(actions)
        centre_layout.addWidget(self.household_table, 1)

        # below: members and visits of the selected household
        self.members = MemberTableModel(self)
        self.member_table = _table(self.members)
        metrics = self.member_table.fontMetrics()
        for column, spec in enumerate(self.members.columns):
            widest = max((metrics.horizontalAdvance(value) for value in spec.choices), default=0)
            self.member_table.setColumnWidth(column, max(spec.width, widest + 16))  # 弱劳动力或半劳动力 whole
        self.member_table.doubleClicked.connect(lambda _i: self.edit_member())
        self.add_member_button = QPushButton("添加成员")
        self.add_member_button.setToolTip("Ctrl+M")
        self.edit_member_button = QPushButton("修改成员")
        self.delete_member_button = QPushButton("删除成员")
        self.move_member_button = QPushButton("移动成员…")
        self.move_member_button.setToolTip("把选中的成员移到另一户（婚嫁、分户）")
        self.move_member_button.clicked.connect(self.move_member)
        self.add_member_button.clicked.connect(self.add_member)
        self.edit_member_button.clicked.connect(self.edit_member)
        self.delete_member_button.clicked.connect(self.delete_member)
        member_buttons = QHBoxLayout()
        self.household_title = QLabel()
        self.employed_label = QLabel()
        self.employed_label.setToolTip("至少一名劳动年龄内成员在务工或已就业（一户一人就业）")
        member_buttons.addWidget(self.household_title)
        member_buttons.addSpacing(16)
        member_buttons.addWidget(self.employed_label)
        member_buttons.addStretch(1)
        for button in (
            self.add_member_button,
            self.edit_member_button,
            self.move_member_button,
            self.delete_member_button,
        ):
            member_buttons.addWidget(button)
        member_page = QWidget()
        member_layout = QVBoxLayout(member_page)
        member_layout.addLayout(member_buttons)
        member_layout.addWidget(self.member_table)

        self.visits = VisitTableModel(self)
        self.visit_table = _table(self.visits)
        for column, spec in enumerate(self.visits.columns):
            self.visit_table.setColumnWidth(column, spec.width)
        self.visit_table.horizontalHeader().setStretchLastSection(True)
        self.details = QTabWidget()
        self.details.addTab(member_page, "家庭成员")
        self.details.addTab(self.visit_table, "走访记录")

        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("roster_vertical")
        right.addWidget(centre)
        right.addWidget(self.details)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("roster_horizontal")
        splitter.addWidget(region_panel)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 1050])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._guard_by_role()
        context.data_changed.connect(self._data_changed)
        self.load_regions()
        self.tree.selectionModel().selectionChanged.connect(lambda *_a: self.apply_filter())
        self._show_household(None)
        self.apply_filter()  # selects the household when there is just one

    def _guard_by_role(self) -> None:
        """Offer only what the account may do (docs/roles.md); the services refuse the rest anyway."""
        add_household, _find, visit, add_member, _gap, add_township, add_village, import_regions, *_rest = (
            self.menu_actions
        )
        guarded: dict[Capability, list[QAction | QWidget | None]] = {
            Capability.EDIT_HOUSEHOLDS: [
                add_household,
                add_member,
                self.add_button,
                self.edit_button,
                self.delete_button,
                self.add_member_button,
                self.edit_member_button,
                self.delete_member_button,
                self.move_member_button,
            ],
            Capability.RECORD_VISIT: [visit, self.visit_button],
            Capability.EDIT_REGIONS: [
                add_township,
                add_village,
                import_regions,
                self.add_township_button,
                self.add_village_button,
                self.region_menu_button,
            ],
        }
        for operation, items in guarded.items():
            for item in items:
                if item is not None:
                    self.context.guard(item, operation)

    def _action(self, text: str, slot: object, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)  # type: ignore[arg-type]
        return action

    # --- regions ------------------------------------------------------------------------------

    def load_regions(self) -> None:
        """Rebuild the tree (counts change with every household saved), keeping the selection."""
        selected = self.selected_region()
        nodes = self.context.database.read(region_nodes, self.context.actor)
        blocker = QSignalBlocker(self.tree.selectionModel())
        build_region_model(nodes, self.region_model)
        self.tree.expandToDepth(1)
        if selected is not None:
            self.select_region(selected)
        del blocker
        self.tree.viewport().update()

    def selected_region(self) -> uuid.UUID | None:
        indexes = self.tree.selectionModel().selectedIndexes() if self.tree.selectionModel() else []
        return indexes[0].data(RECORD_ROLE) if indexes else None

    def _selected_region_index(self) -> QModelIndex | None:
        indexes = self.tree.selectionModel().selectedIndexes()
        return indexes[0] if indexes else None

    def select_region(self, region_id: uuid.UUID) -> None:
        stack = [self.region_model.invisibleRootItem()]
        while stack:
            item = stack.pop()
            for row in range(item.rowCount()):
                child = item.child(row)
                if child.data(RECORD_ROLE) == region_id:
                    self.tree.setCurrentIndex(child.index())
                    return
                stack.append(child)

    def _region_menu(self, point: QPoint) -> None:
        index = self.tree.indexAt(point)
        if not index.isValid():
            return
        self.tree.setCurrentIndex(index)
        menu = QMenu(self)
        level = index.data(LEVEL_ROLE)
        if level == "county":
            menu.addAction("新增乡镇…", self.add_township)
        if level == "township":
            menu.addAction("新增村…", self.add_village)
        if level == "village":
            menu.addAction("在本村新增农户…", self.add_household)
            menu.addAction("撤并到另一个村…", self.merge_village)
        if level in ("township", "village"):
            menu.addAction("改名…", self.rename_region)
        if not menu.isEmpty():
            menu.exec(self.tree.viewport().mapToGlobal(point))

    def _county(self) -> tuple[str, str | None] | None:
        county = self.context.database.read(station_county)
        return (county.name, county.code) if county is not None else None

    def choose_county(self) -> None:
        dialog = CountyDialog(self.context.database, self.context.actor, parent=self)
        county = self._county()
        if county is not None and county[1]:
            dialog.choose(county[1])
        dialog.accepted.connect(lambda: self.context.data_changed.emit("region"))
        self._open(dialog)

    def add_township(self) -> None:
        county = self._county()
        if county is None:
            messages.show_error(self, ServiceError("请先选择本站所属的县（区），再新增乡镇。"), "新增乡镇")
            self.choose_county()
            return
        dialog = AddRegionDialog(self.context, "township", county[0], county[1], self)
        dialog.accepted.connect(lambda: dialog.saved_id and self.select_region(dialog.saved_id))
        self._open(dialog)

    def _township_index(self) -> QModelIndex | None:
        """The selected township, the township of the selected village, or the only township."""
        index = self._selected_region_index()
        if index is not None and index.data(LEVEL_ROLE) == "village":
            index = index.parent()
        if index is not None and index.data(LEVEL_ROLE) == "township":
            return index
        townships = [
            self.region_model.indexFromItem(item) for item in self._items() if item.data(LEVEL_ROLE) == "township"
        ]
        return townships[0] if len(townships) == 1 else None

    def _items(self) -> list[QStandardItem]:
        found: list[QStandardItem] = []
        stack = [self.region_model.invisibleRootItem()]
        while stack:
            item = stack.pop()
            for row in range(item.rowCount()):
                found.append(item.child(row))
                stack.append(item.child(row))
        return found

    def add_village(self) -> None:
        index = self._township_index()
        if index is None:
            has_townships = any(item.data(LEVEL_ROLE) == "township" for item in self._items())
            text = "请先在左侧选择村所属的乡镇，再新增村。" if has_townships else "请先新增乡镇，再在乡镇下新增村。"
            messages.show_error(self, ServiceError(text), "新增村")
            return
        dialog = AddRegionDialog(self.context, "village", index.data(NAME_ROLE), index.data(CODE_ROLE), self)
        dialog.accepted.connect(lambda: dialog.saved_id and self.select_region(dialog.saved_id))
        self._open(dialog)

    def rename_region(self) -> None:
        index = self._selected_region_index()
        if index is None or index.data(LEVEL_ROLE) not in ("township", "village"):
            messages.show_error(self, ServiceError("请先在左侧选择要改名的乡镇或村。"), "改名")
            return
        self._open(RenameRegionDialog(self.context, index.data(RECORD_ROLE), index.data(NAME_ROLE), self))

    def merge_village(self) -> None:
        index = self._selected_region_index()
        if index is None or index.data(LEVEL_ROLE) != "village":
            messages.show_error(self, ServiceError("请先在左侧选择要撤并的村。"), "撤并")
            return
        nodes = self.context.database.read(region_nodes, self.context.actor)
        source = next(node for node in nodes if node.id == index.data(RECORD_ROLE))
        villages = [node for node in nodes if node.level == "village"]
        dialog = MergeVillageDialog(self.context, source, villages, self)
        dialog.accepted.connect(lambda: dialog.merged_into and self.select_region(dialog.merged_into))
        self._open(dialog)

    def choose_regions_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "导入统计用区划代码表", "", "区划代码表（*.xlsx *.csv）;;所有文件（*）"
        )
        if path:
            self.import_regions_file(Path(path))

    def import_regions_file(self, path: Path) -> None:
        """本县的统计用区划代码 rows from xlsx or csv; a refused table is shown row by row."""
        try:
            result = import_regions(self.context.database, actor=self.context.actor, path=path)
        except RegionImportRefused as refused:
            messages.show_error(self, refused, "区划代码表未导入")
            return
        except messages.EXPECTED_ERRORS as error:
            messages.show_error(self, error, "无法导入区划代码表")
            return
        self.context.data_changed.emit("region")
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "已导入区划代码",
            f"新增{result.added}个，改名{result.renamed}个，未变{result.unchanged}个。",
            QMessageBox.StandardButton.Ok,
            self,
        )
        self._open(box)

    # --- households ---------------------------------------------------------------------------

    def current_filter(self) -> HouseholdFilter:
        text = self.search.text().strip()
        everywhere = bool(text) and self.search_everywhere.isChecked()
        return HouseholdFilter(
            text=text,
            region_id=None if everywhere else self.selected_region(),
            household_type=None if self.type_filter.currentText() == ALL else self.type_filter.currentText(),
            status=None if self.status_filter.currentText() == ALL else self.status_filter.currentText(),
            has_open_intentions=self.open_filter.isChecked(),
            viewer=self.context.actor,
        )

    def apply_filter(self) -> None:
        self._timer.stop()
        keep = self._current
        self.households.set_filter(self.current_filter())
        total = self.households.total
        shown = f"{total}户" if self.households.total_is_exact else f"超过{total}户，请继续输入以缩小范围"
        self.count_label.setText(f"共{shown}")
        row = self.households.row_of(keep) if keep is not None else None
        if row is not None:
            self.household_table.selectRow(row)
        elif self.households.rowCount() == 1:
            self.household_table.selectRow(0)
        else:
            self._show_household(None)

    def _household_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.household_table.selectionModel().selectedRows()
        self._show_household(self.households.household_id(rows[0].row()) if rows else None)

    def _show_household(self, household_id: uuid.UUID | None) -> None:
        self._current = household_id
        members, visits, title = [], [], "请在上方列表中选择一户"
        panel = self.context.database.read(household_panel, household_id, clock.today()) if household_id else None
        if panel is not None:
            members, visits, record = panel.members, panel.visits, panel.record
            title = f"{record.village_name} {record.facts.household_no}　户主：{panel.head_name or '未登记'}"
            self.employed_label.setText(f"有就业劳动力：{'是' if panel.employed else '否'}")
            matched = self.households.matched(household_id)
            if matched:
                title += f"　查找匹配：{matched}"
        self.member_rows = members
        self.members.set_rows([m.facts for m in members])
        self.visits.set_rows(visits)
        self.household_title.setText(title)
        self.details.setTabText(0, f"家庭成员（{len(members)}）")
        self.details.setTabText(1, f"走访记录（{len(visits)}）")
        chosen = household_id is not None
        for button in (
            self.edit_button,
            self.visit_button,
            self.delete_button,
            self.add_member_button,
            self.edit_member_button,
            self.delete_member_button,
            self.move_member_button,
        ):
            button.setEnabled(chosen)
        self.visit_action.setEnabled(chosen)
        self.add_member_action.setEnabled(chosen)
        self.employed_label.setVisible(chosen)

    @property
    def current_household(self) -> uuid.UUID | None:
        return self._current

    def _village_for_new_household(self) -> uuid.UUID | None:
        index = self._selected_region_index()
        if index is not None and index.data(LEVEL_ROLE) == "village":
            return index.data(RECORD_ROLE)
        if self._current is not None:
            return self.context.database.read(village_of_household, self._current)
        return None

    def add_household(self) -> None:
        village = self._village_for_new_household()
        if village is None:
            empty = not any(item.data(LEVEL_ROLE) == "village" for item in self._items())
            text = "还没有村：请先用左下方的“新增乡镇”“新增村”（或“区划 → 导入区划代码表”）建立本县的村。"
            messages.show_error(self, ServiceError(text if empty else "请先在左侧选择一个村，再新增农户。"), "新增农户")
            return
        dialog = HouseholdDialog(self.context, village_id=village, parent=self)
        dialog.accepted.connect(lambda: self._select_household(dialog.saved_id))
        self._open(dialog)

    def edit_household(self) -> None:
        if self._current is None:
            return
        dialog = HouseholdDialog(self.context, household_id=self._current, parent=self)
        self._open(dialog)

    def delete_household(self) -> None:
        if self._current is None:
            return
        title = self.household_title.text()
        question = f"删除农户 {title}？\n\n该户的全部成员和走访记录将一并删除（删除会记入修改记录）。"
        if not messages.confirm(self, "删除农户", question, "删除", "不删除"):
            return
        household_id, database, actor = self._current, self.context.database, self.context.actor
        operation = Operation(
            self, self.context, lambda: remove_household(database, actor=actor, household_id=household_id)
        )
        operation.refused(lambda error: messages.show_error(self, error, "无法删除"))
        if operation.success(lambda _removed: setattr(self, "_current", None)).run():
            self.context.data_changed.emit("household")

    def _select_household(self, household_id: uuid.UUID | None) -> None:
        if household_id is None:
            return
        self._current = household_id
        self.apply_filter()
        row = self.households.row_of(household_id)
        if row is not None:
            self.household_table.selectRow(row)
            self.household_table.scrollTo(self.households.index(row, 0))

    def choose_roster_file(self) -> None:
        flt = self.current_filter()
        try:
            area = self.context.database.read(area_name, flt)
        except messages.EXPECTED_ERRORS as error:
            messages.show_error(self, error, "导出花名册")
            return
        suggested = save_folder() / roster_file_name(area, clock.today())
        path, _filter = QFileDialog.getSaveFileName(self, "导出花名册", str(suggested), "Excel工作簿（*.xlsx）")
        if path:
            self.export_roster_to(Path(path))

    def export_roster_to(self, path: Path) -> None:
        """The households of the current village, township or search, with their members, as xlsx."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        flt, database = self.current_filter(), self.context.database
        remember_save_folder(path.parent)

        def work(control: TaskControl) -> RosterExport:
            def report(done: int, total: int) -> None:
                control.check()
                control.report(done, total, f"已写{done}/{total}行")

            return export_roster(database, flt=flt, out=path, progress=report)

        def done(result: RosterExport) -> None:
            self.exported = result
            self.count_label.setText(f"已导出花名册：{result.households}户{result.people}人 → {result.path}")

        run_task(self, "正在导出花名册", work, done, lambda error: messages.show_error(self, error, "导出花名册"))

    # --- members and visits -------------------------------------------------------------------

    def _selected_member(self) -> int | None:
        rows = self.member_table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def add_member(self) -> None:
        if self._current is None:
            return
        dialog = PersonDialog(self.context, household_id=self._current, member_index=len(self.member_rows), parent=self)
        self._open(dialog)

    def edit_member(self) -> None:
        row = self._selected_member()
        if row is None or self._current is None:
            return
        member = self.member_rows[row]
        dialog = PersonDialog(
            self.context, facts=member.facts, person_id=member.id, member_index=member.index, parent=self
        )
        self._open(dialog)

    def delete_member(self) -> None:
        row = self._selected_member()
        if row is None:
            return
        member = self.member_rows[row]
        question = f"删除成员{member.facts.name}？（删除会记入修改记录）"
        if not messages.confirm(self, "删除成员", question, "删除", "不删除"):
            return
        database, actor = self.context.database, self.context.actor
        Operation(
            self, self.context, lambda: remove_person(database, actor=actor, person_id=member.id), changes="household"
        ).refused(lambda error: messages.show_error(self, error, "无法删除")).run()

    def move_member(self) -> None:
        row = self._selected_member()
        if row is None or self._current is None:
            messages.show_error(self, ServiceError("请先在成员列表中选择要移动的成员。"), "移动成员")
            return
        member = self.member_rows[row]
        dialog = MoveMemberDialog(
            self.context, member.id, member.facts.name, self._current, self.household_title.text(), self
        )
        dialog.accepted.connect(lambda: self._moved(dialog))
        self._open(dialog)

    def _moved(self, dialog: MoveMemberDialog) -> None:
        if dialog.warnings:
            notes = "\n".join(f"• {w}" for w in dialog.warnings)
            box = QMessageBox(
                QMessageBox.Icon.Information,
                "已移动",
                f"{dialog.person_name}已移到新户。新户有以下提示，请核对：\n{notes}",
                QMessageBox.StandardButton.Ok,
                self,
            )
            self._open(box)  # not blocking: the lists refresh behind it

    def record_visit(self) -> None:
        if self._current is None:
            return
        dialog = VisitDialog(self.context, self._current, self.household_title.text(), self)
        self.details.setCurrentIndex(1)
        self._open(dialog)

    def _update_print_menu(self) -> None:
        self.print_household_action.setEnabled(self._current is not None)
        self.export_household_action.setEnabled(self._current is not None)
        self.print_visit_action.setEnabled(self._selected_visit() is not None)

    def _selected_visit(self) -> uuid.UUID | None:
        rows = self.visit_table.selectionModel().selectedRows()
        return self.visits.record(rows[0].row()).id if rows else None

    def print_visit_form(self, which: str, *, export: bool = False) -> Task[PrintResult] | None:
        """入户走访记录表 of this household, of the selected visit, or blank: previewed to print, or saved."""
        household = self._current if which == "household" else None
        visit = self._selected_visit() if which == "visit" else None
        if (which == "household" and household is None) or (which == "visit" and visit is None):
            return None
        database, viewer = self.context.database, self.context.actor

        def write(folder: Path) -> PrintResult:
            return print_visit_form(database, out_dir=folder, household_id=household, visit_id=visit, viewer=viewer)

        return make_printout(self, "正在生成入户走访记录表", write, export=export)

    # --- plumbing -----------------------------------------------------------------------------

    def _open(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.open()  # type: ignore[attr-defined]

    def _data_changed(self, kind: str) -> None:
        if kind in ("household", "visit", "region", "intention", "demo", "import"):
            if kind in ("household", "region", "demo", "import"):
                self.load_regions()
            self.apply_filter()
            self._show_household(self._current)
