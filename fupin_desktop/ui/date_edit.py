"""A date field for keyboard users: Tab goes on to the next field, as it does everywhere else.

Qt's own date edit spends Tab on its year, month and day parts first, so a clerk who pressed Tab once and typed
the visitor's name typed it into the month. Typing the digits still moves from part to part by itself, and the
arrow keys move between the parts."""

from __future__ import annotations

from PySide6.QtWidgets import QDateEdit, QWidget


class DateEdit(QDateEdit):
    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)
