"""申请更正: a site that does not own a person's record (the county, of a township's people) asks its owner
to correct one field. Nothing changes here; the request travels in the next package to the owner, where a
person accepts or refuses it, and the decision comes back (``services/package_decisions.request_change``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.package_decisions import (
    Requested,
    RequestTarget,
    find_request_target,
    request_person_change,
    request_value_choices,
    requestable_person_fields,
)
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.forms import ERROR_STYLE
from fupin_desktop.ui.operations import Operation


class _EnterSubmits(QObject):
    """Enter in the code list's popup with no value chosen in it submits what was typed (Qt's completer
    would only close the popup, and the clerk's Enter seemed to do nothing); with one chosen, it is taken."""

    def __init__(self, popup: QObject, submit: Callable[[], None]) -> None:
        super().__init__(popup)
        self.popup, self.submit = popup, submit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and isinstance(watched, QAbstractItemView)
            and not watched.currentIndex().isValid()
        ):
            watched.hide()
            self.submit()
            return True
        return super().eventFilter(watched, event)


class RequestChangeDialog(QDialog):
    """The person by 身份证号, the field from the ones a request may name, and the value asked for."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.target: RequestTarget | None = None
        self.requested: Requested | None = None
        self.setWindowTitle("申请更正")

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText("18位身份证号")
        self.id_number.setMaxLength(18)
        self.id_number.editingFinished.connect(self.look_up)
        self.id_number.textChanged.connect(self._forget)
        self.who = QLabel("填写身份证号后显示此人。")
        self.who.setWordWrap(True)
        self.field = QComboBox()
        for key, label in requestable_person_fields():
            self.field.addItem(label, key)
        self.field.currentIndexChanged.connect(self._show_current)
        self.field.currentIndexChanged.connect(lambda _index: self.value.clear())
        self.current = QLabel("—")
        self.value = QLineEdit()
        self.value.setPlaceholderText("申请改为的值")
        self.value.textChanged.connect(lambda _text: self.message.setVisible(False))

        form = QFormLayout()
        form.addRow("身份证号：", self.id_number)
        form.addRow("人员：", self.who)
        form.addRow("更正项：", self.field)
        form.addRow("现为：", self.current)
        form.addRow("申请改为：", self.value)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("提交申请")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        intro = QLabel(
            "请记录的所有者（所属人社所或村）更正一项。本站的记录不会改动：申请随下一个发给对方的数据包送出，"
            "对方接受后，更正随其数据包传回。"
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(520, 300)
        self._show_current()

    def _forget(self) -> None:
        self.target = None
        self.who.setText("填写身份证号后显示此人。")
        self.current.setText("—")

    def _refuse(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)

    def look_up(self) -> RequestTarget | None:
        """The person with the typed 身份证号, shown with their household; a refusal says why."""
        self.message.setVisible(False)
        if not self.id_number.text().strip():
            return None
        try:
            self.target = find_request_target(self.context.database, id_number=self.id_number.text())
        except ServiceError as error:
            self.target = None
            self.who.setText("—")
            self._refuse(messages.describe(error))
            return None
        where = f"（户编号 {self.target.household_no}）" if self.target.household_no else ""
        self.who.setText(f"{self.target.name}{where}")
        self._show_current()
        return self.target

    def _show_current(self) -> None:
        key = self.field.currentData()
        choices = request_value_choices(str(key))
        if choices:  # a coded field: its values pop up as one types
            completer = QCompleter(choices, self.value)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
            self.value.setCompleter(completer)
            completer.popup().installEventFilter(_EnterSubmits(completer.popup(), self.submit))
            self.value.setPlaceholderText("从代码表中选择，如 " + "、".join(choices[:3]))
        else:
            self.value.setCompleter(None)  # type: ignore[arg-type]
            self.value.setPlaceholderText("申请改为的值")
        self.current.setText(self.target.values.get(key, "—") if self.target is not None else "—")

    def submit(self) -> None:
        target = self.target or self.look_up()
        if target is None:
            if not self.message.isVisible():
                self._refuse("请填写要更正的人员的身份证号。")
            return
        value = self.value.text().strip()
        if not value:
            self._refuse(f"请填写“{self.field.currentText()}”申请改为的值。")
            return
        database, actor = self.context.database, self.context.actor
        number, field = self.id_number.text(), str(self.field.currentData())

        def done(result: Requested) -> None:
            self.requested = result
            self.accept()

        Operation[Requested](
            self,
            self.context,
            lambda: request_person_change(database, actor=actor, id_number=number, field=field, value=value),
            changes="package",
        ).refused(lambda error: self._refuse(messages.describe(error))).success(done).run()
