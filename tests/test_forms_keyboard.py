"""The forms by keyboard: one Enter takes a type-ahead choice and moves on, a combo is not marked
red while the user is still typing, and Enter moves through the 健康状况 check boxes too."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGridLayout, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from fupin_desktop.domain.validation import Problem
from fupin_desktop.ui.forms import CodeCombo, FieldGrid, FormDialog, MultiCodeBox


def type_text(widget: QWidget, text: str) -> None:
    """As an input method delivers Chinese: key events carrying the characters."""
    for char in text:
        QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, char))
    QApplication.processEvents()


def form(qtbot: QtBot) -> tuple[FormDialog, CodeCombo, QLineEdit, MultiCodeBox, QLineEdit]:
    dialog = FormDialog()
    qtbot.addWidget(dialog)
    combo, after, health, last = CodeCombo("education"), QLineEdit(), MultiCodeBox("health"), QLineEdit()
    layout = QVBoxLayout(dialog)
    for widget in (combo, after, health, last):
        layout.addWidget(widget)
    dialog.watch([combo, after, health, last])
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    QApplication.processEvents()
    return dialog, combo, after, health, last


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def test_one_enter_takes_the_first_match_and_moves_on(qtbot: QtBot) -> None:
    _dialog, combo, after, _health, _last = form(qtbot)
    combo.setFocus()
    type_text(combo.lineEdit(), "初")
    assert combo.completer().popup().isVisible()
    QTest.keyClick(combo.completer().popup(), Qt.Key.Key_Return)
    assert combo.value() == "初中"
    assert QApplication.focusWidget() is after


def test_enter_moves_through_every_health_check_box(qtbot: QtBot) -> None:
    _dialog, _combo, after, health, last = form(qtbot)
    boxes = health.focus_widgets()
    assert len(boxes) == 4
    after.setFocus()
    seen = []
    for _ in range(len(boxes)):
        QTest.keyClick(focused(), Qt.Key.Key_Return)
        seen.append(QApplication.focusWidget())
    assert seen == boxes
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    assert QApplication.focusWidget() is last
    assert health.value() is None  # Enter moved on; it did not tick anything


def test_a_combo_is_not_marked_while_the_user_is_still_typing(qtbot: QtBot) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    grid = FieldGrid(QGridLayout(holder))
    combo = CodeCombo("education")
    grid.add("education", "文化程度", combo)
    holder.show()
    problem = Problem("education", "文化程度", "文化程度“初”不在代码表中，请从列表中选择", "error")
    combo.setFocus()
    type_text(combo.lineEdit(), "初")
    assert combo.typing
    grid.show_problems([problem])
    assert not grid.messages["education"].isVisibleTo(holder) and combo.styleSheet() == ""
    combo.finish_typing()
    grid.show_problems([problem])
    assert grid.messages["education"].isVisibleTo(holder) and "不在代码表中" in grid.messages["education"].text()
