"""打印 and 导出PDF for the printouts (公示 notice, 入户走访记录表): write off the UI thread, then preview."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from fupin_desktop.services.printouts import PrintResult
from fupin_desktop.ui.tasks import Task, TaskControl, run_task

Writer = Callable[[Path], PrintResult]
EXPORT_FOLDER = Path.home() / "扶贫打印件"


def export_start_folder() -> Path:
    """Where 导出 asks for a folder first: 扶贫打印件, made now if it is not there yet. Qt's folder dialog
    started in a folder that does not exist shows its name with 选择 greyed out, and the clerk is stuck;
    where it cannot be made (a read-only home), the nearest folder above it that exists."""
    try:
        EXPORT_FOLDER.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = EXPORT_FOLDER
        while not folder.is_dir() and folder.parent != folder:
            folder = folder.parent
        return folder
    return EXPORT_FOLDER


def print_folder() -> Path:
    """Where a file made only to be printed goes (it can be saved again with 导出PDF)."""
    return Path(tempfile.gettempdir()) / "fupin-desktop-print"


def show_pdf(parent: QWidget, path: Path) -> None:
    """Preview inside the program with its 打印 button; the system viewer where QtPdf is missing."""
    from fupin_desktop.ui.submissions_page import PdfPreviewDialog

    try:
        dialog = PdfPreviewDialog(path, parent)
    except ImportError:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return
    parent.print_preview = dialog  # type: ignore[attr-defined]  # kept alive while it is open
    dialog.open()


def make_printout(
    parent: QWidget,
    title: str,
    writer: Writer,
    *,
    export: bool,
    done: Callable[[PrintResult], None] | None = None,
) -> Task[PrintResult] | None:
    """``export``: ask for a folder and keep the PDF there; otherwise write it aside for printing."""
    if export:
        chosen = QFileDialog.getExistingDirectory(parent, "选择保存PDF的文件夹", str(export_start_folder()))
        if not chosen:
            return None
        folder = Path(chosen)
    else:
        folder = print_folder()

    def work(_control: TaskControl) -> PrintResult:
        return writer(folder)

    def finished(result: PrintResult) -> None:
        if done is not None:
            done(result)
        show_pdf(parent, result.path)

    return run_task(parent, title, work, finished, cancellable=False)
