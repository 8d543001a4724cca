"""Building blocks of the entry forms: code-list combo boxes with type-ahead, multi-choice boxes,
a message under each field, Enter moving to the next field, and a dialog that asks before it
throws unsaved changes away."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.validation import MULTI_SEPARATOR, Problem
from fupin_desktop.ui import messages

ERROR_STYLE = "color: #b3261e;"
WARNING_STYLE = "color: #8a5a00;"
INVALID_FIELD = "border: 1px solid #b3261e;"


class _AcceptCompletion(QObject):
    """Enter in the pop-up list takes the highlighted item — or the first, when none is — and moves
    on to the next field: one Enter, as for any other field."""

    def __init__(self, combo: CodeCombo) -> None:
        super().__init__(combo)
        self.combo = combo

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            completer = self.combo.completer()
            popup = completer.popup()
            index = popup.currentIndex()
            if not index.isValid() and completer.completionCount() > 0:
                index = completer.completionModel().index(0, 0)
            popup.hide()
            if index.isValid():
                self.combo.set_value(str(index.data()))
            self.combo.finish_typing()
            self.combo.focusNextChild()
            return True
        return False


class CodeCombo(QComboBox):
    """An editable combo box over one code list: type a few characters, the matching items pop up.

    While the user is typing (until Enter, a choice from the list or leaving the field) the field
    is not checked: "初" on the way to 初中 is not an error yet."""

    committed = Signal()  # typing finished: the value is what the user means

    def __init__(self, list_name: str, parent: QWidget | None = None, blank: bool = True) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        names = codelist(list_name).names()
        self.addItems(([""] if blank else []) + names)
        completer = QCompleter(names, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        self.setMinimumContentsLength(6)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.typing = False
        completer.popup().installEventFilter(_AcceptCompletion(self))
        line = self.lineEdit()
        line.textEdited.connect(self._typed)
        line.editingFinished.connect(self.finish_typing)
        self.activated.connect(lambda _index: self.finish_typing())

    def fit_longest_item(self) -> None:
        """Wide enough for the longest choice in this font: a cell in a grid of combos (the visit
        dialog) shows 弱劳动力或半劳动力 whole, not its tail."""
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        self.setMinimumContentsLength(math.ceil(widest / max(1, metrics.horizontalAdvance("x"))) + 1)

    def _typed(self, _text: str) -> None:
        self.typing = True

    def finish_typing(self) -> None:
        if self.typing:
            self.typing = False
            self.committed.emit()

    def value(self) -> str | None:
        return self.currentText().strip() or None

    def set_value(self, value: str | None) -> None:
        index = self.findText(value or "")
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(value or "")

    @property
    def changed(self) -> Signal:
        return self.currentTextChanged


class MultiCodeBox(QWidget):
    """Several values of one code list, joined by "、": check boxes, or a menu button when the list is long."""

    changed = Signal()

    def __init__(self, list_name: str, parent: QWidget | None = None, max_boxes: int = 6) -> None:
        super().__init__(parent)
        names = codelist(list_name).names()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._checks: dict[str, QCheckBox | QAction] = {}
        self._button: QToolButton | None = None
        if len(names) <= max_boxes:
            for name in names:
                box = QCheckBox(name)
                box.toggled.connect(self.changed)
                layout.addWidget(box)
                self._checks[name] = box
            layout.addStretch(1)
        else:
            button = QToolButton()
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            menu = QMenu(button)
            for name in names:
                action = menu.addAction(name)
                action.setCheckable(True)
                action.toggled.connect(self._update_text)
                action.toggled.connect(self.changed)
                self._checks[name] = action
            button.setMenu(menu)
            layout.addWidget(button)
            self._button = button
            self._update_text()

    def _update_text(self) -> None:
        if self._button is not None:
            self._button.setText(self.value() or "（点击选择，可多选）")

    def value(self) -> str | None:
        chosen = [name for name, check in self._checks.items() if check.isChecked()]
        return MULTI_SEPARATOR.join(chosen) or None

    def set_value(self, value: str | None) -> None:
        chosen = {v.strip() for v in (value or "").split(MULTI_SEPARATOR)}
        for name, check in self._checks.items():
            check.setChecked(name in chosen)
        self._update_text()

    def focus_widget(self) -> QWidget:
        return self.focus_widgets()[0]

    def focus_widgets(self) -> list[QWidget]:
        """What takes the keyboard: the menu button, or every check box (Enter moves through them)."""
        if self._button is not None:
            return [self._button]
        return [box for box in self._checks.values() if isinstance(box, QCheckBox)]


class EnterMovesOn(QObject):
    """Return/Enter in a field moves to the next one, as clerks used to paper forms expect."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
            and isinstance(watched, QWidget)
        ):
            watched.focusNextChild()
            return True
        return super().eventFilter(watched, event)


def value_of(widget: QWidget) -> object:
    if isinstance(widget, CodeCombo | MultiCodeBox):
        return widget.value()
    if isinstance(widget, QLineEdit):
        return widget.text().strip() or None
    if isinstance(widget, QSpinBox):
        return None if widget.value() == widget.minimum() and widget.specialValueText() else widget.value()
    if isinstance(widget, QDateEdit):
        return widget.date().toPython()
    raise TypeError(widget)


def set_value_of(widget: QWidget, value: object) -> None:
    if isinstance(widget, CodeCombo | MultiCodeBox):
        widget.set_value(value if isinstance(value, str) else None)
    elif isinstance(widget, QLineEdit):
        widget.setText("" if value is None else str(value))
    elif isinstance(widget, QSpinBox):
        widget.setValue(widget.minimum() if value is None else int(str(value)))
    else:
        raise TypeError(widget)


def change_signal(widget: QWidget) -> Signal:
    if isinstance(widget, CodeCombo):
        return widget.currentTextChanged
    if isinstance(widget, MultiCodeBox):
        return widget.changed
    if isinstance(widget, QLineEdit):
        return widget.textChanged
    if isinstance(widget, QSpinBox):
        return widget.valueChanged
    if isinstance(widget, QDateEdit):
        return widget.dateChanged
    raise TypeError(widget)


def editable_combo(values: list[str], placeholder: str) -> QComboBox:
    """A list to pick from that also takes a name not on it (工种, 专业, 院校, 培训机构)."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(values)
    combo.setCurrentIndex(-1)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.lineEdit().setPlaceholderText(placeholder)
    combo.setMaxVisibleItems(20)
    return combo


def months_box() -> QSpinBox:
    """务工时间（月）: 0–12, or empty (shown blank, stored as None)."""
    box = QSpinBox()
    box.setRange(-1, 12)
    box.setSpecialValueText(" ")
    box.setValue(-1)
    box.setSuffix(" 个月")
    return box


class FieldGrid:
    """Label, field and the field's message in a grid of one or two columns, in reading (and Tab) order."""

    def __init__(self, layout: QGridLayout, columns: int = 2) -> None:
        self.layout = layout
        self.columns = columns
        self.widgets: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self.reserved: set[str] = set()
        self._row = 0
        self._column = 0
        layout.setHorizontalSpacing(10)
        layout.setVerticalSpacing(2)
        for column in range(columns):
            layout.setColumnStretch(column * 2 + 1, 1)

    def add(self, name: str, label: str, widget: QWidget, span: bool = False) -> QWidget:
        if span and self._column:
            self._next_row()
        caption = QLabel(label + "：")
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        caption.setBuddy(widget.focus_widget() if isinstance(widget, MultiCodeBox) else widget)
        message = QLabel()
        message.setWordWrap(True)
        message.setVisible(False)
        message.setObjectName(f"message_{name}")
        column = self._column * 2
        self.layout.addWidget(caption, self._row, column)
        width = (self.columns * 2 - 1) if span else 1
        self.layout.addWidget(widget, self._row, column + 1, 1, width)
        self.layout.addWidget(message, self._row + 1, column + 1, 1, width)
        self.widgets[name] = widget
        self.messages[name] = message
        if span:
            self._next_row()
        else:
            self._column += 1
            if self._column >= self.columns:
                self._next_row()
        return widget

    def reserve_message(self, name: str, lines: int = 3) -> None:
        """Keep room for ``lines`` lines of the message under ``name`` whether or not it shows one: a message
        that comes and goes while a field is typed (a phone number digit by digit) moves nothing."""
        message = self.messages[name]
        message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        message.setFixedHeight(lines * message.fontMetrics().lineSpacing() + 2)
        message.setVisible(True)
        self.reserved.add(name)

    def _next_row(self) -> None:
        self._row += 2
        self._column = 0

    def show_problems(self, problems: Iterable[Problem], only: set[str] | None = None) -> None:
        """Put each problem under its field (errors first); fields not in ``only`` stay quiet."""
        by_field: dict[str, list[Problem]] = {}
        for problem in problems:
            if problem.field in self.messages and (only is None or problem.field in only):
                by_field.setdefault(problem.field, []).append(problem)
        for name, label in self.messages.items():
            found = sorted(by_field.get(name, []), key=lambda p: not p.is_error)
            if isinstance(self.widgets[name], CodeCombo) and self.widgets[name].typing:  # type: ignore[attr-defined]
                found = []  # checked once the user has finished typing
            label.setVisible(bool(found) or name in self.reserved)
            label.setText("\n".join(p.message for p in found))
            label.setToolTip(label.text() if name in self.reserved else "")
            has_error = any(p.is_error for p in found)
            label.setStyleSheet(ERROR_STYLE if has_error else WARNING_STYLE)
            widget = self.widgets[name]
            if isinstance(widget, QLineEdit | QComboBox | QSpinBox):
                widget.setStyleSheet(INVALID_FIELD if has_error else "")

    def first_error_field(self, problems: Iterable[Problem]) -> QWidget | None:
        fields_with_errors = {p.field for p in problems if p.is_error}
        for name, widget in self.widgets.items():
            if name in fields_with_errors:
                return widget.focus_widget() if isinstance(widget, MultiCodeBox) else widget
        return None


class FormDialog(QDialog):
    """A dialog that knows whether it holds unsaved changes and asks before discarding them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dirty = False
        self._loading = False
        self._enter = EnterMovesOn(self)

    def watch(self, widgets: Iterable[QWidget], on_change: Callable[[], None] | None = None) -> None:
        """Mark the form dirty on every edit, and let Enter move on from each field."""
        for widget in widgets:
            change_signal(widget).connect(self._changed)
            if on_change is not None:
                change_signal(widget).connect(on_change)
                if isinstance(widget, CodeCombo):
                    widget.committed.connect(on_change)
            targets = [widget]
            if isinstance(widget, MultiCodeBox):
                targets = widget.focus_widgets()
            for target in targets:
                # Push buttons keep Enter for clicking; check boxes (健康状况) pass it on like fields.
                if isinstance(target, QCheckBox) or not isinstance(target, QAbstractButton):
                    target.installEventFilter(self._enter)

    def _changed(self, *_args: object) -> None:
        if not self._loading:
            self.dirty = True

    def reject(self) -> None:
        question = "表单中有尚未保存的修改。关闭后这些修改将丢失，确定关闭吗？"
        if self.dirty and not messages.confirm(self, "放弃修改？", question, "放弃修改并关闭", "继续编辑"):
            return
        super().reject()

    def accept_saved(self) -> None:
        self.dirty = False
        super().accept()
