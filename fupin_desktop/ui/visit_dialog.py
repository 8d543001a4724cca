"""走访登记: date, visitors, method, notes and what changed on each member, on one screen.

Other parts of the program add their own per-member column (a training or school intention
line, say) by appending a :class:`VisitMemberSection` subclass to ``VISIT_MEMBER_SECTIONS``:
each gets a cell in every member's row and saves in the same transaction as the visit.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain import clock
from fupin_desktop.domain.profiles import load_profile
from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.services.errors import ServiceError, ValidationFailed
from fupin_desktop.services.intentions import KIND_LABELS, IntentionInput
from fupin_desktop.services.notices import intention_subject
from fupin_desktop.services.pairing import school_choices
from fupin_desktop.services.printouts import PrintResult, print_visit_form
from fupin_desktop.services.roster import MemberRow, household_members
from fupin_desktop.services.visits import VisitInput, VisitRecorded, save_visit
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.date_edit import DateEdit
from fupin_desktop.ui.enter_clicks import enter_clicks
from fupin_desktop.ui.forms import (
    ERROR_STYLE,
    CodeCombo,
    EnterMovesOn,
    FormDialog,
    months_box,
    set_value_of,
    value_of,
)
from fupin_desktop.ui.intention_form import IntentionForm
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.printing import make_printout
from fupin_desktop.ui.tasks import Task

# The member fields a visit updates, in column order.
VISIT_MEMBER_FIELDS: tuple[str, ...] = ("employment", "work_place", "work_months", "labour", "school_status")


class VisitMemberSection(ABC):
    """One extra cell per member in the visit form, saved with the visit (subclass and register)."""

    title: ClassVar[str] = ""

    def __init__(self, context: AppContext, member: MemberRow) -> None:
        self.context = context
        self.member = member
        self.on_change: Callable[[], None] = lambda: None  # the dialog marks itself unsaved

    @abstractmethod
    def widget(self) -> QWidget: ...

    @abstractmethod
    def intention_to_record(self) -> IntentionInput | None:
        """What this cell adds to the visit when it is saved (in the visit's own transaction)."""


class VisitIntentionDialog(QDialog):
    """The intention a member tells the visitor: ``IntentionForm`` for that member, saved with the visit."""

    def __init__(
        self, context: AppContext, member: MemberRow, current: IntentionInput | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"登记意愿 — {member.facts.name}")
        choices = context.database.read(school_choices, person_id=member.id)
        self.form = IntentionForm(load_profile(context.profile.province_profile or "default"), choices=choices)
        if current is not None:
            self._load(current)
        # Enter moves on from field to field, as in the visit form it opens from (it tried 确定 at once).
        self._enter = EnterMovesOn(self)
        form = self.form
        for field in (form.kind, form.occupation, form.major, form.school, form.training_type, form.referral):
            field.installEventFilter(self._enter)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(f"为 <b>{member.facts.name}</b> 登记意愿（状态：登记），随本次走访一起保存。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    def _load(self, data: IntentionInput) -> None:
        form = self.form
        form.kind.setCurrentIndex(max(form.kind.findData(data.kind), 0))
        for combo, text in ((form.occupation, data.occupation), (form.major, data.major), (form.school, data.school)):
            combo.setEditText(text or "")
        form.training_type.setCurrentIndex(max(form.training_type.findData(data.training_type), 0))
        form.referral.setCurrentIndex(max(form.referral.findData(data.referral_source), 0))

    def _accept(self) -> None:
        problem = self.form.problem()
        if problem:
            self.message.setText(problem)
            self.message.setVisible(True)
            return
        self.accept()


class IntentionSection(VisitMemberSection):
    """意愿: a training or school wish told during the visit, created in the visit's transaction."""

    title = "新登记意愿"

    def __init__(self, context: AppContext, member: MemberRow) -> None:
        super().__init__(context, member)
        self.pending: IntentionInput | None = None
        self.dialog: VisitIntentionDialog | None = None  # open now (tests drive it)
        self.button = QPushButton("登记意愿…")
        self.button.setAutoDefault(False)
        enter_clicks(self.button)
        self.button.clicked.connect(self.edit)
        self.label = QLabel()
        self.label.setMinimumWidth(110)
        self.clear_button = QToolButton()
        self.clear_button.setText("×")
        self.clear_button.setToolTip("不登记这条意愿")
        self.clear_button.clicked.connect(lambda: self.set_pending(None))
        self.set_pending(None)

    def widget(self) -> QWidget:
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.clear_button)
        return box

    def edit(self) -> None:
        self.dialog = VisitIntentionDialog(self.context, self.member, self.pending, self.button.window())
        if self.dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_pending(self.dialog.form.value())

    def set_pending(self, data: IntentionInput | None) -> None:
        self.pending = data
        if data is None:
            self.label.setText("")
            self.button.setText("登记意愿…")
        else:
            subject = intention_subject(data.kind, data.occupation, data.major, data.school)
            self.label.setText(f"{KIND_LABELS[data.kind]}：{subject}")
            self.label.setToolTip(f"保存走访时登记：{KIND_LABELS[data.kind]} {subject}")
            self.button.setText("修改…")
            self.on_change()
        self.clear_button.setVisible(data is not None)

    def intention_to_record(self) -> IntentionInput | None:
        return self.pending


VISIT_MEMBER_SECTIONS: list[type[VisitMemberSection]] = [IntentionSection]


MEMBERS_IN_SIGHT = 7  # rows of the member grid shown without scrolling: the dialog stays within 768 px


def _member_widget(field: str) -> QWidget:
    if field == "work_place":
        edit = QLineEdit()
        edit.setMinimumWidth(120)
        return edit
    if field == "work_months":
        return months_box()
    combo = CodeCombo(field)
    combo.fit_longest_item()  # 弱劳动力或半劳动力, 乡(镇)外县内务工 whole
    return combo


class VisitDialog(FormDialog):
    def __init__(self, context: AppContext, household_id: uuid.UUID, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.household_id = household_id
        self.saved_id: uuid.UUID | None = None
        self.setWindowTitle(f"登记走访 — {title}")
        self.members = context.database.read(household_members, household_id)

        self.date_edit = DateEdit(QDate(clock.today()))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMaximumDate(QDate(clock.today()))
        self.visitors = QLineEdit(context.operator)
        self.visitors.setPlaceholderText("多人用顿号分隔，如：王敏、李强")
        self.method = CodeCombo("visit_method", blank=False)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("家庭近况、诉求、帮扶措施……")
        self.notes.setFixedHeight(70)
        self.notes.setTabChangesFocus(True)
        head = QFormLayout()
        head.addRow("走访日期：", self.date_edit)
        head.addRow("走访人：", self.visitors)
        head.addRow("走访方式：", self.method)
        head.addRow("情况记录：", self.notes)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        titles = ["成员", *(FIELD_LABELS[f] for f in VISIT_MEMBER_FIELDS), *(s.title for s in VISIT_MEMBER_SECTIONS)]
        for column, text in enumerate(titles):
            label = QLabel(f"<b>{text}</b>")
            grid.addWidget(label, 0, column)
        self.member_widgets: dict[uuid.UUID, dict[str, QWidget]] = {}
        self.sections: list[VisitMemberSection] = []
        watched: list[QWidget] = [self.date_edit, self.visitors, self.method]
        for row, member in enumerate(self.members, start=1):
            facts = member.facts
            grid.addWidget(QLabel(f"{facts.name}（{facts.relation or ''}）"), row, 0)
            widgets: dict[str, QWidget] = {}
            for column, field in enumerate(VISIT_MEMBER_FIELDS, start=1):
                widget = _member_widget(field)
                set_value_of(widget, getattr(facts, field))
                grid.addWidget(widget, row, column)
                widgets[field] = widget
                watched.append(widget)
            for column, section_class in enumerate(VISIT_MEMBER_SECTIONS, start=1 + len(VISIT_MEMBER_FIELDS)):
                section = section_class(context, member)
                section.on_change = self._changed
                grid.addWidget(section.widget(), row, column)
                self.sections.append(section)
            self.member_widgets[member.id] = widgets
        grid.setRowStretch(len(self.members) + 1, 1)
        grid.setColumnStretch(1 + VISIT_MEMBER_FIELDS.index("work_place"), 1)
        inner = QWidget()
        inner.setLayout(grid)
        scroll = QScrollArea()
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the notes straight to the first member
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        # every member in sight (up to MEMBERS_IN_SIGHT rows; more scroll), also when a message shows below
        in_sight = inner.sizeHint().height()
        if len(self.members) > MEMBERS_IN_SIGHT:
            in_sight = in_sight * MEMBERS_IN_SIGHT // len(self.members)
        bar = scroll.horizontalScrollBar().sizeHint().height()  # a narrow window scrolls sideways
        scroll.setMinimumHeight(in_sight + 2 * scroll.frameWidth() + bar)
        members_box = QGroupBox("成员情况（只需改动有变化的项）")
        QVBoxLayout(members_box).addWidget(scroll)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        self.save_button = QPushButton("保存走访(&S)")
        cancel = QPushButton("取消")
        for button in (self.save_button, cancel):
            button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.print_button = QPushButton("打印走访记录表…")
        self.print_button.setAutoDefault(False)
        self.print_button.setToolTip("本户的入户走访记录表（已填成员情况），带到户里填写后再录入")
        self.print_button.clicked.connect(self.print_form)
        enter_clicks(self.print_button, self.save_button, cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(members_box, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.watch(watched)
        self.notes.textChanged.connect(self._changed)
        # as wide as the member grid (no sideways scrolling), within a 1366-pixel screen
        self.resize(min(max(1060, inner.sizeHint().width() + 60), 1320), self.sizeHint().height())

    def print_form(self) -> Task[PrintResult] | None:
        database, household, viewer = self.context.database, self.household_id, self.context.actor

        def write(folder: Path) -> PrintResult:
            return print_visit_form(database, out_dir=folder, household_id=household, viewer=viewer)

        return make_printout(self, "正在生成入户走访记录表", write, export=False)

    def visit_input(self) -> VisitInput:
        updates: dict[uuid.UUID, dict[str, object]] = {}
        for member in self.members:
            changed = {}
            for field, widget in self.member_widgets[member.id].items():
                value = value_of(widget)
                if value != getattr(member.facts, field):
                    changed[field] = value
            if changed:
                updates[member.id] = changed
        return VisitInput(
            visit_date=self.date_edit.date().toPython(),
            visitors=self.visitors.text(),
            method=self.method.value() or "",
            notes=self.notes.toPlainText(),
            member_updates=updates,
        )

    def save(self) -> None:
        self.message.setVisible(False)
        told = {s.member.id: data for s in self.sections if (data := s.intention_to_record()) is not None}
        work = partial(
            save_visit,
            self.context.database,
            actor=self.context.actor,
            household_id=self.household_id,
            visit=self.visit_input(),
            intentions=told,
        )
        Operation(self, self.context, work, changes="visit").refused(self._refused).success(self._saved).run()

    def _saved(self, recorded: VisitRecorded) -> None:
        self.saved_id = recorded.id
        if recorded.intentions:
            self.context.data_changed.emit("intention")
        self.accept_saved()

    def _refused(self, error: ServiceError) -> None:
        if isinstance(error, ValidationFailed):
            names = {m.index: m.facts.name for m in self.members}
            lines = [
                f"{names.get(p.member_index, '') if p.member_index is not None else ''} {p.label}：{p.message}".strip()
                for p in error.problems
                if p.is_error
            ]
            self._show("\n".join(lines))
            return
        self._show(messages.describe(error))

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
