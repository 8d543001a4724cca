"""For the benchmark: print PAINTED and quit on the main window's first paint (env FUPIN_EXIT_AFTER_FIRST_PAINT=1)."""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV = "FUPIN_EXIT_AFTER_FIRST_PAINT"


class _FirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("PAINTED", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def install_if_requested(window: QWidget) -> None:
    if os.environ.get(ENV) == "1":
        probe = _FirstPaint(window)
        window.installEventFilter(probe)
