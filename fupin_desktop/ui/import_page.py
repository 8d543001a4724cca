"""The 导入 page: the blank village sheet, importing a filled one (preview first), and 比对 with the
建档立卡 roster. Reading and writing run off the UI thread; the dialogs only show what services return.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.services.imports import import_village
from fupin_desktop.services.regions import region_nodes
from fupin_desktop.services.roster_compare import Comparison, compare_roster, export_comparison
from fupin_desktop.services.village_import import (
    ImportPlan,
    ImportReport,
    PreviewRow,
    plan_import,
    read_village_file,
    send_back,
    template_title,
)
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.folders import open_folder, remember_save_folder, save_folder
from fupin_desktop.ui.messages import EXPECTED_ERRORS, describe, show_error
from fupin_desktop.ui.tasks import TaskCancelled, TaskControl, run_task

Index = QModelIndex | QPersistentModelIndex
_BATCH = 500
_REJECTED = QColor("#fde2e2")
SHEET_PATTERNS = "*.xlsx *.xlsm *.xls *.et *.ett *.ods *.csv"
_WARNED = QColor("#fff6d5")


class PreviewModel(QAbstractTableModel):
    """The sheet's rows with their outcome and problems; rows appear in batches as the view scrolls."""

    HEADERS = ("行号", "户编号", "所在户", "姓名", "身份证号", "与户主关系", "结果", "问题")
    ROW, HOUSEHOLD, HOME, NAME, ID_NUMBER, RELATION, OUTCOME, PROBLEMS = range(8)
    RecordRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PreviewRow] = []
        self._shown = 0

    def set_rows(self, rows: list[PreviewRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._shown = min(len(rows), _BATCH)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._shown < len(self._rows)

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid():
            return
        more = min(_BATCH, len(self._rows) - self._shown)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
        self._shown += more
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._shown:
            return None
        row = self._rows[index.row()]
        if role == self.RecordRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.PROBLEMS:
            return self._text(row, self.PROBLEMS) or None
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.HOME:
            return row.household_rows or None
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.outcome == "退回":
                return QBrush(_REJECTED)
            if row.problems:
                return QBrush(_WARNED)
        return None

    def _text(self, row: PreviewRow, column: int) -> str:
        if column == self.ROW:
            return f"{row.sheet} {row.row}" if row.sheet else str(row.row)
        if column == self.PROBLEMS:
            ordered = sorted(row.problems, key=lambda p: not p.is_error)  # errors first
            # Every problem of the row, each with the column it is in: 【身份证号】…；【文化程度】提示：…
            text = "；".join(
                (f"【{p.column_label}】" if p.column_label else "") + ("" if p.is_error else "提示：") + p.message
                for p in ordered
            )
            if row.outcome == "退回" and not any(p.is_error for p in row.problems):
                return "；".join(filter(None, ["同户其他成员有错误，整户退回", text]))
            return text
        return (row.household_no, row.household, row.name, row.id_number, row.relation, row.outcome)[column - 1]


class ImportDialog(QDialog):
    """Preview of one sheet (every row with its problems), then 导入 or 仅导入无误的户."""

    def __init__(self, context: AppContext, path: Path, village_code: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.path = Path(path)
        self.village_code = village_code
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None
        self.setWindowTitle(f"导入村级采集表 — {self.path.name}")
        self.resize(1100, 640)
        self.summary = QLabel("正在读取和检查表格……")
        self.summary.setWordWrap(True)
        self.model = PreviewModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(False)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((60, 150, 110, 80, 170, 80, 60)):
            self.view.setColumnWidth(column, width)
        self.import_button = QPushButton("导入")
        self.valid_only_button = QPushButton("仅导入无误的户，其余退回")
        self.rejected_button = QPushButton("生成退回表")
        self.rejected_button.setToolTip("把有错误的户另存为“…-退回.xlsx”交村里修改（不导入任何数据）")
        self.close_button = QPushButton("关闭")
        self.import_button.setEnabled(False)
        self.valid_only_button.setEnabled(False)
        self.rejected_button.setEnabled(False)
        self.import_button.clicked.connect(lambda: self.start_import(valid_only=False))
        self.valid_only_button.clicked.connect(lambda: self.start_import(valid_only=True))
        self.rejected_button.clicked.connect(lambda: self.write_rejected())
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.rejected_button, self.valid_only_button, self.import_button, self.close_button):
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 32)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def start_preview(self) -> None:
        database, path, code = self.context.database, self.path, self.village_code

        def work(control: TaskControl) -> ImportPlan:
            control.report(0, 0, "正在读取表格……")
            parsed = read_village_file(path)
            control.check()
            control.report(0, 0, f"正在检查{parsed.row_count}行……")
            return database.read(plan_import, parsed, village_code=code)

        run_task(self, "检查表格", work, self.show_plan, self._failed)

    def show_plan(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.model.set_rows(plan.preview())
        errors, warnings = len(plan.errors), len(plan.warnings)
        rejected = sum(1 for h in plan.households if h.rejected)
        good = len(plan.households) - rejected
        village = f"{plan.village.name}（{plan.village.code or '无代码'}）"
        text = f"导入到：{village}。共{plan.parsed.row_count}行、{len(plan.households)}户。"
        if errors:
            text += f"有{errors}处错误（{rejected}户，红色行），改正后重新导入"
            text += f"，或只导入无误的{good}户并把其余退回村里。" if good else "。"
        else:
            text += "没有错误，可以导入。"
        if warnings:
            text += f"另有{warnings}条提示（黄色行），不影响导入。"
        unnumbered = [h for h in plan.households if not h.sheet.numbered]
        if unnumbered:
            text += f"表中{len(unnumbered)}户没有户编号：已按户主识别（见“所在户”列），户编号由程序按本村顺序编排。"
        self.summary.setText(text)
        self.import_button.setEnabled(not errors)
        self.valid_only_button.setEnabled(bool(errors) and good > 0)
        self.rejected_button.setEnabled(bool(plan.rejected_rows()))

    def start_import(self, valid_only: bool) -> None:
        if self.plan is None:
            return
        database, actor, path, code = self.context.database, self.context.actor, self.path, self.village_code
        self.import_button.setEnabled(False)
        self.valid_only_button.setEnabled(False)

        def work(control: TaskControl) -> tuple[ImportPlan, ImportReport]:
            def progress(done: int, total: int, text: str) -> None:
                control.check()
                control.report(done, total, text)

            # The file is read and checked again: the database may have changed since the preview.
            outcome = import_village(
                database, actor=actor, path=path, village_code=code, valid_only=valid_only, progress=progress
            )
            plan, report = outcome.plan, outcome.report
            if report.written and (valid_only and plan.rejected_rows()):
                send_back(plan, report)
            return plan, report

        run_task(self, "正在导入", work, self.show_report, self._failed)

    def show_report(self, result: tuple[ImportPlan, ImportReport]) -> None:
        self.plan, report = result
        self.report = report
        if report.written:
            self.context.data_changed.emit("household")
        text = report.summary()
        if report.rejected_file is not None:
            text += f"\n有错误的行已另存为：{report.rejected_file}"
        if report.rejected_error is not None:
            text += f"\n{report.rejected_error}"
        if not report.written and report.errors:
            text += f"\n有{len(report.errors)}处错误，未写入任何数据。"
            self.import_button.setEnabled(False)
        self.summary.setText(text)
        if self.plan is not None:
            self.model.set_rows(self.plan.preview())

    def write_rejected(self) -> None:
        """The 退回 file of the checked sheet without importing anything: usable when every household is wrong."""
        plan = self.plan
        if plan is None:
            return
        report = self.report or ImportReport(plan.village, problems=list(plan.problems))

        def work(control: TaskControl) -> ImportReport:
            control.report(0, 0, "正在生成退回表……")
            return send_back(plan, report)

        def done(result: ImportReport) -> None:
            self.report = result
            if result.rejected_error is not None:
                self.summary.setText(result.rejected_error)
                QMessageBox.warning(self, "退回表没有保存", result.rejected_error)
            elif result.rejected_file is not None:
                self.summary.setText(
                    f"{self.summary.text()}\n退回表已保存：{result.rejected_file}（“退回原因”列写明了每一处问题）"
                )

        run_task(self, "生成退回表", work, done, self._failed)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, TaskCancelled):
            self.summary.setText("已取消，数据库未作改动。")
            self.import_button.setEnabled(self.plan is not None and self.plan.clean)
            return
        if not isinstance(error, EXPECTED_ERRORS):
            raise error
        self.summary.setText(f"无法导入：{describe(error)}")
        QMessageBox.warning(self, "无法导入", describe(error))


class ListModel(QAbstractTableModel):
    """A fixed list of rows already computed by a service (the 比对 lists)."""

    def __init__(self, headers: list[str], rows: list[list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._headers = headers
        self._rows = rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        return None


class CompareDialog(QDialog):
    """The three 比对 lists in tabs, with 导出 to xlsx."""

    def __init__(self, comparison: Comparison, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison = comparison
        self.setWindowTitle(f"与建档立卡花名册比对 — {comparison.roster_path.name}")
        self.resize(980, 600)
        summary = QLabel(comparison.summary())
        summary.setWordWrap(True)
        self.tabs = QTabWidget()
        self._tab(
            f"本地有、花名册无（{len(comparison.only_here)}）",
            ["村", "户编号", "姓名", "身份证号", "户状态"],
            [[p.village, p.household_no, p.name, p.id_number, p.status] for p in comparison.only_here],
        )
        self._tab(
            f"花名册有、本地无（{len(comparison.only_roster)}）",
            ["花名册行号", "户编号", "姓名", "身份证号", "户状态"],
            [[str(e.row), e.household_no, e.name, e.id_number, e.status] for e in comparison.only_roster],
        )
        self._tab(
            f"信息不一致（{len(comparison.differing)}）",
            ["花名册行号", "身份证号", "姓名（本地）", "姓名（花名册）", "户编号（本地）", "户编号（花名册）",
             "不一致项"],
            [
                [str(d.entry.row), d.entry.id_number, d.local.name, d.entry.name, d.local.household_no,
                 d.entry.household_no, "、".join(d.fields)]
                for d in comparison.differing
            ],
        )  # fmt: skip
        self.export_button = QPushButton("导出为Excel…")
        self.export_button.clicked.connect(self.export)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

    def _tab(self, title: str, headers: list[str], rows: list[list[str]]) -> None:
        view = QTableView()
        view.setModel(ListModel(headers, rows, view))
        view.verticalHeader().hide()
        view.horizontalHeader().setStretchLastSection(True)
        view.resizeColumnsToContents()
        self.tabs.addTab(view, title)

    def export(self, target: Path | None = None) -> Path | None:
        if target is None:
            default = self.comparison.roster_path.with_name(f"{self.comparison.roster_path.stem}-比对结果.xlsx")
            chosen, _ = QFileDialog.getSaveFileName(self, "导出比对结果", str(default), "Excel工作簿 (*.xlsx)")
            if not chosen:
                return None
            target = Path(chosen)
        try:
            written = export_comparison(self.comparison, target)
        except OSError as error:
            show_error(self, error)
            return None
        QMessageBox.information(self, "已导出", f"比对结果已保存到：{written}")
        return written


def template_file_name(village: str) -> str:
    """The blank sheet's suggested name: the village's own, so that ten sheets on a desk are told apart."""
    return f"村级采集表-{village}.xlsx" if village else "村级采集表.xlsx"


class ImportPage(QWidget):
    """Buttons for the blank template, importing a village sheet, and 比对 with the roster."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.village = QComboBox()
        self.reload_villages()
        context.data_changed.connect(lambda kind: kind == "region" and self.reload_villages())
        template = QPushButton("生成空白采集表…")
        importer = QPushButton("导入村级采集表…")
        compare = QPushButton("与建档立卡花名册比对…")
        template.clicked.connect(lambda: self.save_template())
        importer.clicked.connect(lambda: self.open_import())
        compare.clicked.connect(lambda: self.open_compare())
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(14)
        grid.addWidget(QLabel("村："), 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.village, 0, 1)
        for row, (button, text) in enumerate(
            (
                (template, "给村委会的空白表：一人一行，带下拉列表和填表说明；选定村时村名和区划代码印在表头。"),
                (
                    importer,
                    "导入村里填好的表：先预览每一行的检查结果，没有错误才导入；也可只导入无误的户，其余生成退回表。",
                ),
                (compare, "与扶贫部门的建档立卡花名册比对：列出本地多出、花名册多出和姓名/户编号/户状态不一致的人员。"),
            ),
            start=1,
        ):
            button.setMinimumWidth(200)
            note = QLabel(text)
            grid.addWidget(button, row, 0)
            grid.addWidget(note, row, 1)
        grid.setColumnStretch(1, 1)
        box = QWidget()
        box.setLayout(grid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(box, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.dialog: QDialog | None = None

    def reload_villages(self) -> None:
        self.village.clear()
        self.village.addItem("按表格标题中的村名或区划代码识别", None)
        for node in self.context.database.read(region_nodes, self.context.actor):
            if node.level == "village" and node.code:
                self.village.addItem(f"{node.name}（{node.code}）", node.code)

    def selected_code(self) -> str | None:
        code = self.village.currentData()
        return code if isinstance(code, str) else None

    def save_template(self, target: Path | None = None) -> Path | None:
        from fupin_desktop.export.village_template import write_village_sheet

        try:
            from fupin_desktop.services.pairing import template_schools

            title = self.context.database.read(template_title, self.selected_code())
            schools, note = self.context.database.read(template_schools, self.selected_code())
        except EXPECTED_ERRORS as error:
            show_error(self, error)
            return None
        if target is None:
            suggested = save_folder() / template_file_name(title.name)
            chosen, _ = QFileDialog.getSaveFileName(self, "保存空白采集表", str(suggested), "Excel工作簿 (*.xlsx)")
            if not chosen:
                return None
            target = Path(chosen)
            remember_save_folder(target.parent)
        try:
            return write_village_sheet(target, title, schools=schools, paired_note=note)
        except EXPECTED_ERRORS as error:
            show_error(self, error)
            return None

    def open_import(self, path: Path | None = None) -> ImportDialog | None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "选择村级采集表", str(open_folder()), f"表格文件 ({SHEET_PATTERNS});;所有文件 (*)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        dialog = ImportDialog(self.context, path, self.selected_code(), self)
        self.dialog = dialog
        dialog.show()
        dialog.start_preview()
        return dialog

    def open_compare(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "选择建档立卡花名册", str(open_folder()), "Excel工作簿 (*.xlsx);;所有文件 (*)"
            )
            if not chosen:
                return
            path = Path(chosen)
        database, code = self.context.database, self.selected_code()

        def work(control: TaskControl) -> Comparison:
            control.report(0, 0, "正在比对……")
            return database.read(compare_roster, path, region_code=code)

        def show(comparison: Comparison) -> None:
            dialog = CompareDialog(comparison, self)
            self.dialog = dialog
            dialog.show()

        run_task(self, "与花名册比对", work, show)
