"""Long work (import, export, seal, demo data) off the UI thread, with a progress dialog and 取消.

The work function never touches a widget: it reports through ``TaskControl`` and returns a value;
the result or the error is delivered back on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from fupin_desktop.ui.messages import EXPECTED_ERRORS, show_error

T = TypeVar("T")
log = logging.getLogger(__name__)


class TaskCancelled(Exception):
    """Raised inside a work function when the user pressed 取消."""


class TaskControl:
    """Handed to the work function: progress reports out, cancellation in."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self._cancelled = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise TaskCancelled if the user asked to stop; call it between steps."""
        if self._cancelled.is_set():
            raise TaskCancelled

    def report(self, done: int, total: int, text: str = "") -> None:
        self._relay.progress.emit(done, total, text)

    def cancel(self) -> None:
        self._cancelled.set()


class _Relay(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class _Worker(QThread):
    def __init__(self, work: Callable[[TaskControl], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay
        self.control = TaskControl(relay)

    def run(self) -> None:
        try:
            result = self._work(self.control)
        except BaseException as error:  # delivered to the UI thread, which decides what to show
            self._relay.failed.emit(error)
        else:
            self._relay.finished.emit(result)


class Task(QObject, Generic[T]):
    """One running piece of work; keep a reference until it finishes (``run_task`` does)."""

    done = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        work: Callable[[TaskControl], T],
        on_success: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        cancellable: bool = True,
        quiet: bool = False,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._on_success = on_success
        self._on_error = on_error
        self._relay = _Relay()
        self._worker = _Worker(work, self._relay)
        # A quiet task (the automatic backup, the check after first paint) shows no dialog at all.
        self.dialog = QProgressDialog(title, "取消" if cancellable else "", 0, 0, parent) if not quiet else None
        if self.dialog is not None:
            self.dialog.setWindowTitle(title)
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(300)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            if not cancellable:
                self.dialog.setCancelButton(None)
            self.dialog.canceled.connect(self._cancel)
            self._relay.progress.connect(self._show_progress)
        self._relay.finished.connect(self._finish)
        self._relay.failed.connect(self._fail)
        self.result: T | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        self._worker.start()

    def wait(self, msecs: int = 60_000) -> bool:
        """For tests and shutdown: block until the worker thread ends."""
        return self._worker.wait(msecs)

    def _cancel(self) -> None:
        if self.dialog is not None:
            self.dialog.setLabelText("正在取消……")
        self._worker.control.cancel()

    def _show_progress(self, done: int, total: int, text: str) -> None:
        if self.dialog is None:
            return
        self.dialog.setMaximum(max(total, 0))
        self.dialog.setValue(min(done, total) if total else 0)
        if text:
            self.dialog.setLabelText(text)

    def _finish(self, result: T) -> None:
        self._close()
        self.result = result
        try:
            self._on_success(result)
        finally:
            self.done.emit()

    def _fail(self, error: BaseException) -> None:
        self._close()
        self.error = error
        try:
            if self._on_error is not None:
                self._on_error(error)
            elif isinstance(error, TaskCancelled):
                pass
            elif isinstance(error, EXPECTED_ERRORS):
                show_error(self._parent, error)
            else:
                log.error("后台任务出错", exc_info=error)
                raise error
        finally:
            self.done.emit()

    def _close(self) -> None:
        self._worker.wait()
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()


_running: set[Task[Any]] = set()


def run_task(
    parent: QWidget | None,
    title: str,
    work: Callable[[TaskControl], T],
    on_success: Callable[[T], None],
    on_error: Callable[[BaseException], None] | None = None,
    cancellable: bool = True,
    quiet: bool = False,
) -> Task[T]:
    """Start ``work`` on a worker thread; ``on_success``/``on_error`` run on the UI thread.
    ``quiet`` work shows no progress dialog (it runs while the user goes on working)."""
    task: Task[T] = Task(parent, title, work, on_success, on_error, cancellable, quiet)
    _running.add(task)
    task.done.connect(lambda: _running.discard(task))
    task.start()
    return task
