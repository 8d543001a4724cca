"""The 上报 page: sealed sheets with export, seal, correction, verify, print preview and the folder."""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.clock import today
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.export.verify import Verdict, VerifyResult, verify_file
from fupin_desktop.services.deadlines import next_reminder
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.services.sheets import FORMS, SheetRequest, default_period, profile_forms, province_of
from fupin_desktop.services.signatories import Signatories, signatories_for
from fupin_desktop.services.station_keys import known_keys_of
from fupin_desktop.services.submissions import (
    SealResult,
    SubmissionRow,
    export_draft,
    list_submissions,
    seal_submission,
    unlock_submission,
)
from fupin_desktop.store.db import Database
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.date_edit import DateEdit
from fupin_desktop.ui.folders import open_folder, save_folder
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.region_combo import RegionCombo
from fupin_desktop.ui.roster_models import local_time
from fupin_desktop.ui.seal_dialog import SealDialog
from fupin_desktop.ui.tasks import TaskControl, run_task

RowRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class SubmissionTableModel(QAbstractTableModel):
    """The sealed sheets (a few per half-year), newest first; RowRole gives the SubmissionRow."""

    HEADERS = ("编号", "表名", "行数", "封存时间", "封存人", "更正的是", "已被更正为")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SubmissionRow] = []

    def set_rows(self, rows: list[SubmissionRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                row.number,
                row.sheet_title,
                row.row_count,
                local_time(row.sealed_at),
                row.sealed_by,
                row.replaces or "",
                row.replaced_by or "",
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"校验码 {row.digest}\n{row.xlsx_path or ''}\n{row.pdf_path or ''}"
        return None


class SubmissionsPage(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.model = SubmissionTableModel(self)
        self.last_folder = save_folder()

        self.sheet = QComboBox()
        self.sheet.currentIndexChanged.connect(self._sheet_changed)
        self.region = RegionCombo(
            context.database, all_label="本所辖区（默认）", levels=("county", "township", "village"), context=context
        )
        self.region.setToolTip("表头、填表单位和表中人员都按所选区划；默认为本所所在乡镇")
        self.start = DateEdit()
        self.end = DateEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy年M月d日")
        self.end.setMaximumDate(QDate(today()))
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.deadline = QLabel()
        self.deadline.setStyleSheet("color: #a33; font-weight: bold;")
        self.deadline.setWordWrap(True)
        self.folder = QLineEdit(str(self.last_folder))
        choose = QPushButton("选择…")
        choose.clicked.connect(self._choose_folder)

        top = QHBoxLayout()
        top.addWidget(QLabel("表："))
        top.addWidget(self.sheet, 2)
        top.addWidget(QLabel("区划："))
        top.addWidget(self.region, 1)
        top.addWidget(QLabel("统计期间："))
        top.addWidget(self.start)
        top.addWidget(QLabel("至"))
        top.addWidget(self.end)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel("保存到："))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)

        self.export_button = QPushButton("导出草稿")
        self.seal_button = QPushButton("封存上报…")
        self.unlock_button = QPushButton("解锁以便更正…")
        self.correct_button = QPushButton("封存更正版…")
        self.verify_button = QPushButton("核验文件…")
        self.preview_button = QPushButton("打印预览")
        self.open_button = QPushButton("打开文件夹")
        self.key_button = QPushButton("本站密钥…")
        self.key_button.clicked.connect(self.open_station_key)
        self.export_button.clicked.connect(self.export_draft)
        self.seal_button.clicked.connect(self.seal)
        self.unlock_button.clicked.connect(self.unlock)
        self.correct_button.clicked.connect(self.seal_correction)
        self.verify_button.clicked.connect(self.open_verify)
        self.preview_button.clicked.connect(self.preview)
        self.open_button.clicked.connect(self.open_folder)
        actions = QHBoxLayout()
        for button in (
            self.export_button,
            self.seal_button,
            self.unlock_button,
            self.correct_button,
            self.verify_button,
            self.preview_button,
            self.open_button,
            self.key_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(self.preview)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.deadline)
        layout.addLayout(top)
        layout.addWidget(self.description)
        layout.addLayout(folder_row)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        layout.addWidget(self.status)
        context.data_changed.connect(self._data_changed)
        context.account_changed.connect(self._update_buttons)
        context.profile_changed.connect(self.reload_sheets)
        self.reload_sheets()
        self.refresh()

    # --- state -----------------------------------------------------------------------------------

    def _data_changed(self, kind: str) -> None:
        if kind in ("settings", "profile"):
            self.reload_sheets()
        elif kind in ("region", "demo", "import"):
            self.region.reload()
        self.refresh()

    def reload_sheets(self) -> None:
        """The active province's sheets, its main sheet first, and its default period."""
        province = province_of(self.context.database.read(load_station_profile))
        current = self.sheet.currentData()
        self.sheet.blockSignals(True)
        self.sheet.clear()
        for form in profile_forms(province):
            self.sheet.addItem(f"{form.title}（{form.seed}）", form.code)
        self.sheet.setCurrentIndex(max(self.sheet.findData(current), 0))
        self.sheet.blockSignals(False)
        start, end = default_period(today(), province)
        self.start.setDate(QDate(start.year, start.month, start.day))
        self.end.setDate(QDate(end.year, end.month, end.day))
        self._sheet_changed()

    def _sheet_changed(self) -> None:
        form = FORMS.get(self.sheet.currentData())
        if form is None:
            return
        for edit in (self.start, self.end):
            edit.setEnabled(not form.people)
        what = (
            "人员名单：收录公示期满的人员" if form.people else "期间合计：按所选统计期间计数（口径见 docs/figures.md）"
        )
        self.description.setText(f"{form.seed}。{what}。{form.description}")

    def refresh(self) -> None:
        self.model.set_rows(self.context.database.read(list_submissions, self.context.actor))
        reminder = self.context.database.read(next_reminder, today())
        self.deadline.setText(reminder.text if reminder else "")
        self.deadline.setVisible(reminder is not None)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._update_buttons()

    def selected(self) -> SubmissionRow | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(RowRole) if rows else None

    def _update_buttons(self) -> None:
        row = self.selected()
        live = row is not None and row.replaced_by is None
        seal, unlock = self.context.may_do(Capability.SEAL), self.context.may_do(Capability.UNLOCK)
        self.seal_button.setEnabled(seal)
        self.unlock_button.setEnabled(live and unlock)
        self.correct_button.setEnabled(live and seal)
        for button, may in ((self.seal_button, seal), (self.unlock_button, unlock), (self.correct_button, seal)):
            button.setToolTip("" if may else "需要审核人（站长）权限")
        self.preview_button.setEnabled(row is not None and bool(row.pdf_path))

    def request(self) -> SheetRequest:
        def day(edit: QDateEdit) -> date:
            value = edit.date()
            return date(value.year(), value.month(), value.day())

        form = FORMS[self.sheet.currentData()]
        if form.people:
            return SheetRequest(form.code, self.region.currentData())
        return SheetRequest(form.code, self.region.currentData(), start=day(self.start), end=day(self.end))

    def out_dir(self) -> Path:
        return Path(self.folder.text().strip() or str(self.last_folder))

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择保存上报表的文件夹", str(self.out_dir()))
        if chosen:
            self.folder.setText(chosen)

    # --- actions ---------------------------------------------------------------------------------

    def export_draft(self) -> None:
        request, out_dir, database = self.request(), self.out_dir(), self.context.database
        viewer = self.context.actor

        def work(control: TaskControl) -> tuple[Path, Path]:
            return database.read(export_draft, request, out_dir, progress=control.report, viewer=viewer)

        def done(paths: tuple[Path, Path]) -> None:
            self.status.setText(f"已导出草稿：{paths[0].name}、{paths[1].name}（{out_dir}）")
            self.show_pdf(paths[1])

        Operation[tuple[Path, Path]](self, self.context).success(done).run_task("正在导出草稿", work)

    def seal(self) -> None:
        form = FORMS[self.sheet.currentData()]
        what = "人员将转为“已上报”并锁定，不能再修改。" if form.people else "统计数将按所选期间冻结。"
        names = self._ask_signatories(f"封存“{form.title}”并编号？{what}")
        if names is None:
            return
        self._run_seal(self.request(), None, names)

    def seal_correction(self) -> None:
        row = self.selected()
        if row is None:
            return
        names = self._ask_signatories(
            f"生成{row.number}的更正版？原表及其文件保留在列表中，新表注明“更正{row.number}”。"
        )
        if names is None:
            return
        self._run_seal(SheetRequest(row.sheet_code), row.id, names)

    def _ask_signatories(self, question: str) -> Signatories | None:
        """The seal dialog, filled from the accounts: the names to print, or None when cancelled."""
        defaults = signatories_for(self.context.database, actor=self.context.actor)
        dialog = SealDialog(question, defaults, self)
        self.seal_dialog = dialog
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def _run_seal(self, request: SheetRequest, replaces: uuid.UUID | None, names: Signatories) -> None:
        out_dir, context = self.out_dir(), self.context
        database, actor = context.database, context.actor

        def work(control: TaskControl) -> SealResult:
            return seal_submission(
                database,
                actor=actor,
                request=request,
                out_dir=out_dir,
                replaces_id=replaces,
                progress=control.report,
                signatories=names,
            )

        def done(result: SealResult) -> None:
            self.status.setText(f"已封存 {result.number}：{result.row_count}行，校验码 {result.digest}")
            context.data_changed.emit("intention")
            self.show_pdf(result.pdf_path)

        operation = Operation[SealResult](self, context, changes="submission").success(done)
        operation.run_task("正在封存上报表", work, cancellable=False)

    def unlock(self) -> None:
        row = self.selected()
        if row is None:
            return
        reason = self._ask_reason(row.number)
        if reason is None:
            return
        work = partial(
            unlock_submission, self.context.database, actor=self.context.actor, submission_id=row.id, reason=reason
        )
        operation = Operation(self, self.context, work, changes="person")
        operation.refused(lambda error: messages.show_error(self, error, "未解锁"))
        operation.success(
            lambda count: self.status.setText(f"已解锁{count}人，可修改后封存更正版；更正原因将印在更正版上。")
        ).run()

    def _ask_reason(self, number: str) -> str | None:
        text, accepted = QInputDialog.getText(
            self,
            "解锁以便更正",
            f"解锁{number}中的人员以便修改。修改后请点“封存更正版”，更正版将替代原表上报。\n"
            "请写明更正原因（将印在更正版上）：",
        )
        return text if accepted else None

    def open_verify(self) -> None:
        VerifyDialog(self.context.database, self).exec()

    def open_station_key(self) -> None:
        from fupin_desktop.ui.station_key_dialog import StationKeyDialog

        StationKeyDialog(self.context.database, self.context.actor, self).exec()

    def preview(self) -> None:
        row = self.selected()
        if row is not None and row.pdf_path:
            self.show_pdf(Path(row.pdf_path))

    def show_pdf(self, path: Path) -> None:
        """Preview inside the program with QtPdf; where that module is missing, the system's PDF viewer."""
        try:
            self.preview_dialog = PdfPreviewDialog(path, self)
        except ImportError:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
            return
        self.preview_dialog.open()

    def open_folder(self) -> None:
        row = self.selected()
        folder = Path(row.pdf_path).parent if row is not None and row.pdf_path else self.out_dir()
        folder.mkdir(parents=True, exist_ok=True)
        messages.open_folder(self, folder)


class PdfPreviewDialog(QDialog):
    """The produced PDF page by page (QtPdf), with 打印."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        super().__init__(parent)
        self.setWindowTitle(f"打印预览 — {path.name}")
        self.resize(1000, 760)
        self.document = QPdfDocument(self)
        self.document.load(str(path))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        print_button = buttons.addButton("打印…", QDialogButtonBox.ButtonRole.ActionRole)
        print_button.clicked.connect(self.print_document)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return
        painter = QPainter(printer)
        try:
            for page in range(self.document.pageCount()):
                if page:
                    printer.newPage()
                target = painter.viewport().size()
                image = self.document.render(page, target)
                painter.drawImage(0, 0, image)
        finally:
            painter.end()


class VerifyDialog(QDialog):
    """核验: choose an xlsx or PDF; says whether it is exactly what was sealed, and where it is not,
    and which station signed it — checked against the keys this database knows."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.setWindowTitle("核验上报表文件")
        self.resize(760, 480)
        self.path = QLineEdit()
        self.path.setPlaceholderText("选择要核验的 xlsx 或 PDF 文件")
        choose = QPushButton("选择文件…")
        choose.clicked.connect(self._choose)
        check = QPushButton("核验")
        check.clicked.connect(self.check)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        row.addWidget(check)
        self.verdict = QLabel("文件中内嵌了封存时的内容、校验码和站点签名；站点密钥与本站已知的密钥核对。")
        self.verdict.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.verdict)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.result: VerifyResult | None = None

    def _choose(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "选择上报表文件", str(open_folder()), "上报表 (*.xlsx *.pdf);;所有文件 (*)"
        )
        if chosen:
            self.path.setText(chosen)
            self.check()

    def check(self) -> None:
        text = self.path.text().strip()
        if not text:
            return
        path, database = Path(text), self.database

        def work(_control: TaskControl) -> VerifyResult:
            return verify_file(path, known_keys_of(database))

        run_task(self, "正在核验", work, self.show_result)

    def show_result(self, result: VerifyResult) -> None:
        self.result = result
        colour = {
            Verdict.INTACT: "#1b7f3b",
            Verdict.ALTERED: "#b3261e",
            Verdict.NOT_SEALED: "#8a6d00",
            Verdict.NOT_SIGNED_BY_KNOWN: "#b3261e",
        }[result.verdict]
        heading = {
            Verdict.INTACT: "✔ 与封存时完全一致，由已知站点签名",
            Verdict.ALTERED: "✘ 已被改动",
            Verdict.NOT_SEALED: "不是封存的上报表",
            Verdict.NOT_SIGNED_BY_KNOWN: "✘ 内容完整，但不是由已知站点签名",
        }
        station = ""
        if result.verdict in (Verdict.INTACT, Verdict.NOT_SIGNED_BY_KNOWN) and result.unit_name:
            known = f"已知站点“{result.station}”" if result.station else "未知站点（密钥未登记）"
            station = f"<br>表上单位：{result.unit_name}　站点密钥指纹：{result.fingerprint or '无有效签名'}　{known}"
        self.verdict.setText(f"<b style='color:{colour}'>{heading[result.verdict]}</b>{station}")
        self.details.setPlainText(result.report())
