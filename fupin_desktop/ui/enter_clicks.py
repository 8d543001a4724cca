"""Enter on a focused button clicks it, as Space does.

The forms turn their buttons' ``autoDefault`` off, so that Enter in a field moves on and never saves by
surprise; but a push button without it ignores Enter, and a clerk who went from field to field with Enter
and reached 保存 or 登记意愿… pressed Enter there and nothing happened."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton


class _EnterClicks(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and isinstance(watched, QAbstractButton)
            and watched.isEnabled()
        ):
            watched.click()
            return True
        return super().eventFilter(watched, event)


def enter_clicks(*buttons: QAbstractButton) -> None:
    """Let Enter click each of ``buttons`` while it has the focus."""
    for button in buttons:
        button_filter = _EnterClicks(button)  # owned by the button: lives and dies with it
        button.installEventFilter(button_filter)
