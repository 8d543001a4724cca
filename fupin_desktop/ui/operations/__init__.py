"""The floor between widgets and services: run a use case, show an expected failure where the user is,
and tell every page what changed.

A widget never opens a transaction. It hands a service call (which owns its unit of work) to
``Operation``; ``run()`` performs a quick one on the UI thread, ``run_in_background()`` a long one on a
worker thread with a progress dialog. A refused step (``ServiceError``) goes to the widget's own
``refused`` callback when it shows refusals in place, else to a message box; a store failure (locked,
disk full, read-only, damaged) always gets a message box with the store's Chinese text and a log line
without personal data. Bugs are not caught here: they reach the crash dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtWidgets import QWidget

from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store.errors import StoreError
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.messages import show_error
from fupin_desktop.ui.tasks import Task, TaskCancelled, TaskControl, run_task

T = TypeVar("T")
log = logging.getLogger(__name__)

STORE_ERROR_TITLE = "无法访问数据库"


def report_store_error(parent: QWidget | None, error: StoreError) -> None:
    """The message box for a store failure; the log gets its kind and the driver's short text only."""
    log.warning("数据库操作未完成：%s（%s）", type(error).__name__, error.detail or "-")
    show_error(parent, error, STORE_ERROR_TITLE)


class Operation(Generic[T]):
    """One use case started from a widget (Anki's ``CollectionOp``, in small)."""

    def __init__(
        self,
        parent: QWidget | None,
        context: AppContext | None,
        work: Callable[[], T] | None = None,
        *,
        changes: str | None = None,
    ) -> None:
        """``context`` None only before the window exists (the first start's 站点信息); ``work`` None when
        the work reports progress itself and is given to ``run_task``."""
        self._parent = parent
        self._context = context
        self._work = work
        self._changes = changes
        self._on_success: Callable[[T], None] | None = None
        self._on_refused: Callable[[ServiceError], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None

    def success(self, callback: Callable[[T], None]) -> Operation[T]:
        self._on_success = callback
        return self

    def refused(self, callback: Callable[[ServiceError], None]) -> Operation[T]:
        """Show a refusal in place (a form's own error line) instead of a message box."""
        self._on_refused = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Operation[T]:
        """Called after any expected failure has been shown (to re-enable a button, say)."""
        self._on_failure = callback
        return self

    def run(self) -> bool:
        """Perform it now, on the UI thread (for work that takes well under a tenth of a second)."""
        assert self._work is not None, "run() needs the work given to the constructor"
        try:
            result = self._work()
        except (ServiceError, StoreError) as error:
            self._fail(error)
            return False
        self._succeed(result)
        return True

    def run_in_background(self, title: str, *, cancellable: bool = False) -> Task[T]:
        """Perform it on a worker thread behind a progress dialog; callbacks run on the UI thread."""
        work = self._work
        assert work is not None, "run_in_background() needs the work given to the constructor"
        return self.run_task(title, lambda _control: work(), cancellable=cancellable)

    def run_task(self, title: str, work: Callable[[TaskControl], T], *, cancellable: bool = True) -> Task[T]:
        """Like ``run_in_background`` for work that reports progress and checks for 取消 itself."""
        return run_task(self._parent, title, work, self._succeed, self._fail_in_task, cancellable)

    def _succeed(self, result: T) -> None:
        if self._changes is not None and self._context is not None:
            self._context.data_changed.emit(self._changes)
        if self._on_success is not None:
            self._on_success(result)

    def _fail_in_task(self, error: BaseException) -> None:
        if isinstance(error, TaskCancelled):
            if self._on_failure is not None:
                self._on_failure(error)
            return
        if not isinstance(error, ServiceError | StoreError | OSError):
            if self._on_failure is not None:
                self._on_failure(error)
            log.error("后台任务出错", exc_info=error)
            raise error
        self._fail(error)

    def _fail(self, error: BaseException) -> None:
        if isinstance(error, StoreError):
            report_store_error(self._parent, error)
        elif isinstance(error, ServiceError) and self._on_refused is not None:
            self._on_refused(error)
        else:
            show_error(self._parent, error)
        if self._on_failure is not None:
            self._on_failure(error)


def perform(
    parent: QWidget | None, context: AppContext, work: Callable[[], T], *, changes: str | None = None
) -> bool:
    """The common case: run a quick use case now, message box on failure; True if it was done."""
    return Operation(parent, context, work, changes=changes).run()


__all__ = ["Operation", "perform", "report_store_error"]
