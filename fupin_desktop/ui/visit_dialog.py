"""走访登记: date, visitors, method, notes and what changed on each member, on one screen.

Other parts of the program add their own per-member column (a training or school intention
line, say) by appending a :class:`VisitMemberSection` subclass to ``VISIT_MEMBER_SECTIONS``:
each gets a cell in every member's row and saves in the same transaction as the visit.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from PySide6.QtCore import QDate
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain import clock
from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.services.errors import ServiceError, ValidationFailed
from fupin_desktop.services.roster import MemberRow, household_members
from fupin_desktop.services.visits import VisitInput, record_visit
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.forms import ERROR_STYLE, CodeCombo, FormDialog, months_box, set_value_of, value_of

# The member fields a visit updates, in column order.
VISIT_MEMBER_FIELDS: tuple[str, ...] = ("employment", "work_place", "work_months", "labour", "school_status")


class VisitMemberSection:
    """One extra cell per member in the visit form, saved with the visit (subclass and register)."""

    title: ClassVar[str] = ""

    def __init__(self, context: AppContext, member: MemberRow) -> None:
        self.context = context
        self.member = member

    def widget(self) -> QWidget:
        raise NotImplementedError

    def save(self, uow: UnitOfWork, visit_id: uuid.UUID) -> None:
        """Called inside the visit's unit of work, after the visit is recorded."""
        raise NotImplementedError


VISIT_MEMBER_SECTIONS: list[type[VisitMemberSection]] = []


def _member_widget(field: str) -> QWidget:
    if field == "work_place":
        edit = QLineEdit()
        edit.setMinimumWidth(120)
        return edit
    if field == "work_months":
        return months_box()
    combo = CodeCombo(field)
    combo.setMinimumContentsLength(11)  # 弱劳动力或半劳动力, 乡(镇)外县内务工 fit without cutting
    return combo


class VisitDialog(FormDialog):
    def __init__(self, context: AppContext, household_id: uuid.UUID, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.household_id = household_id
        self.saved_id: uuid.UUID | None = None
        self.setWindowTitle(f"登记走访 — {title}")
        with context.database.session_factory() as session:
            self.members = household_members(session, household_id)

        self.date_edit = QDateEdit(QDate(clock.today()))
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
                grid.addWidget(section.widget(), row, column)
                self.sections.append(section)
            self.member_widgets[member.id] = widgets
        grid.setRowStretch(len(self.members) + 1, 1)
        grid.setColumnStretch(1 + VISIT_MEMBER_FIELDS.index("work_place"), 1)
        inner = QWidget()
        inner.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
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
        buttons = QHBoxLayout()
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
        self.resize(1060, 300 + 40 * max(len(self.members), 3))

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
        try:
            with self.context.unit_of_work() as uow:
                self.saved_id, _warnings = record_visit(uow, self.household_id, self.visit_input())
                for section in self.sections:
                    section.save(uow, self.saved_id)
                uow.commit()
        except ValidationFailed as error:
            names = {m.index: m.facts.name for m in self.members}
            lines = [
                f"{names.get(p.member_index, '') if p.member_index is not None else ''} {p.label}：{p.message}".strip()
                for p in error.problems
                if p.is_error
            ]
            self._show("\n".join(lines))
            return
        except ServiceError as error:
            self._show(messages.describe(error))
            return
        self.context.data_changed.emit("visit")
        self.accept_saved()

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
