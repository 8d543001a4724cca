"""The 上报 page: sealed sheets with export, seal, correction, verify, print preview and the folder."""

from __future__ import annotations

import uuid
from datetime import date
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
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.clock import today
from fupin_desktop.export.verify import Verdict, VerifyResult, verify_file
from fupin_desktop.services.sheets import FORMS, SheetRequest, default_period
from fupin_desktop.services.submissions import (
    SealResult,
    SubmissionRow,
    export_draft,
    list_submissions,
    seal_sheet,
    unlock_for_correction,
)
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.folders import save_folder
from fupin_desktop.ui.roster_models import local_time
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
        for form in FORMS.values():
            self.sheet.addItem(f"{form.title}（{form.seed}）", form.code)
        start, end = default_period(today())
        self.start = QDateEdit(QDate(start.year, start.month, start.day))
        self.end = QDateEdit(QDate(end.year, end.month, end.day))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy年M月d日")
        self.folder = QLineEdit(str(self.last_folder))
        choose = QPushButton("选择…")
        choose.clicked.connect(self._choose_folder)

        top = QHBoxLayout()
        top.addWidget(QLabel("表："))
        top.addWidget(self.sheet, 2)
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
        layout.addLayout(top)
        layout.addLayout(folder_row)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        layout.addWidget(self.status)
        context.data_changed.connect(lambda _kind: self.refresh())
        self.refresh()

    # --- state -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        with self.context.database.session_factory() as session:
            self.model.set_rows(list_submissions(session))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._update_buttons()

    def selected(self) -> SubmissionRow | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(RowRole) if rows else None

    def _update_buttons(self) -> None:
        row = self.selected()
        live = row is not None and row.replaced_by is None
        self.unlock_button.setEnabled(live)
        self.correct_button.setEnabled(live)
        self.preview_button.setEnabled(row is not None and bool(row.pdf_path))

    def request(self) -> SheetRequest:
        def day(edit: QDateEdit) -> date:
            value = edit.date()
            return date(value.year(), value.month(), value.day())

        return SheetRequest(self.sheet.currentData(), start=day(self.start), end=day(self.end))

    def out_dir(self) -> Path:
        return Path(self.folder.text().strip() or str(self.last_folder))

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择保存上报表的文件夹", str(self.out_dir()))
        if chosen:
            self.folder.setText(chosen)

    # --- actions ---------------------------------------------------------------------------------

    def export_draft(self) -> None:
        request, out_dir, database = self.request(), self.out_dir(), self.context.database

        def work(control: TaskControl) -> tuple[Path, Path]:
            with database.session_factory() as session:
                return export_draft(session, request, out_dir, progress=control.report)

        def done(paths: tuple[Path, Path]) -> None:
            self.status.setText(f"已导出草稿：{paths[0].name}、{paths[1].name}（{out_dir}）")
            self.show_pdf(paths[1])

        run_task(self, "正在导出草稿", work, done)

    def seal(self) -> None:
        form = FORMS[self.sheet.currentData()]
        what = "人员将转为“已上报”并锁定，不能再修改。" if form.people else "统计数将按所选期间冻结。"
        if not self._confirm(f"封存“{form.title}”并编号？{what}"):
            return
        self._run_seal(self.request(), None)

    def seal_correction(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not self._confirm(f"生成{row.number}的更正版？原表及其文件保留在列表中，新表注明“更正{row.number}”。"):
            return
        self._run_seal(SheetRequest(row.sheet_code), row.id)

    def _run_seal(self, request: SheetRequest, replaces: uuid.UUID | None) -> None:
        out_dir, context = self.out_dir(), self.context

        def work(control: TaskControl) -> SealResult:
            with context.unit_of_work() as uow:
                return seal_sheet(uow, request, out_dir, replaces_id=replaces, progress=control.report)

        def done(result: SealResult) -> None:
            self.status.setText(f"已封存 {result.number}：{result.row_count}行，校验码 {result.digest}")
            context.data_changed.emit("submission")
            context.data_changed.emit("intention")
            self.show_pdf(result.pdf_path)

        run_task(self, "正在封存上报表", work, done, cancellable=False)

    def unlock(self) -> None:
        row = self.selected()
        if row is None or not self._confirm(
            f"解锁{row.number}中的人员以便修改？修改后请点“封存更正版”，更正版将替代原表上报。"
        ):
            return
        with self.context.unit_of_work() as uow:
            count = unlock_for_correction(uow, row.id)
            uow.commit()
        self.status.setText(f"已解锁{count}人，可修改后封存更正版。")
        self.context.data_changed.emit("person")

    def open_verify(self) -> None:
        VerifyDialog(self).exec()

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

    def _confirm(self, text: str) -> bool:
        """封存 and 解锁更正 cannot be undone: 取消 is the default, so Enter never seals."""
        return messages.confirm(self, "请确认", text, "确定", "取消")


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
    """核验: choose an xlsx or PDF; says whether it is exactly what was sealed, and where it is not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        self.verdict = QLabel("不需要原数据库：文件中内嵌了封存时的内容和校验码。")
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
            self, "选择上报表文件", str(save_folder()), "上报表 (*.xlsx *.pdf);;所有文件 (*)"
        )
        if chosen:
            self.path.setText(chosen)
            self.check()

    def check(self) -> None:
        text = self.path.text().strip()
        if not text:
            return
        path = Path(text)
        run_task(self, "正在核验", lambda _control: verify_file(path), self.show_result)

    def show_result(self, result: VerifyResult) -> None:
        self.result = result
        colour = {Verdict.INTACT: "#1b7f3b", Verdict.ALTERED: "#b3261e", Verdict.NOT_SEALED: "#8a6d00"}[result.verdict]
        heading = {
            Verdict.INTACT: "✔ 与封存时完全一致",
            Verdict.ALTERED: "✘ 已被改动",
            Verdict.NOT_SEALED: "不是封存的上报表",
        }
        self.verdict.setText(f"<b style='color:{colour}'>{heading[result.verdict]}</b>")
        self.details.setPlainText(result.report())
