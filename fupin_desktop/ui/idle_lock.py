"""空闲锁定: after some minutes without a key or a click the window locks until an account signs in."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

DEFAULT_MINUTES = 15
SETTING_KEY = "idle_lock_minutes"  # in the user's QSettings: 0 switches the lock off
_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatch(QObject):
    """Emits :attr:`idle` once when no input reached the application for ``seconds``."""

    idle = Signal()

    def __init__(self, seconds: float, parent: QObject | None = None, *, check_every_ms: int = 15_000) -> None:
        super().__init__(parent)
        self.seconds = seconds
        self.last_input = time.monotonic()
        self.paused = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.setInterval(check_every_ms)
        self.timer.timeout.connect(self.check)
        if seconds > 0:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self.last_input = time.monotonic()
        return False

    def check(self) -> None:
        if self.paused or self.seconds <= 0:
            return
        if time.monotonic() - self.last_input >= self.seconds:
            self.idle.emit()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
