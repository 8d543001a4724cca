"""Background tasks: results and errors come back on the UI thread; 取消 stops the work."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from fupin_desktop.ui.tasks import TaskCancelled, TaskControl, run_task


def test_a_task_delivers_its_result(qtbot: QtBot) -> None:
    results: list[int] = []

    def work(control: TaskControl) -> int:
        control.report(1, 2, "一半")
        return 42

    task = run_task(None, "测试", work, results.append)
    qtbot.waitUntil(lambda: results == [42], timeout=5000)
    assert task.error is None


def test_cancel_stops_the_work_and_reports_no_result(qtbot: QtBot) -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def work(control: TaskControl) -> int:
        for _ in range(500):
            control.check()
            time.sleep(0.01)
        return 1

    task = run_task(None, "测试", work, results.append, errors.append)
    assert task.dialog is not None
    button = task.dialog.findChild(QPushButton)
    assert button is not None and button.text() == "取消"
    button.click()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert results == []
    assert isinstance(errors[0], TaskCancelled)
