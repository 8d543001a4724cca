"""农户 form. A new household is entered together with its members and saved in one go; a saved
household's own fields are edited here and its members from the member list of the roster page."""

from __future__ import annotations

import uuid
from dataclasses import replace
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain import clock
from fupin_desktop.domain.validation import FIELD_LABELS, HouseholdFacts, PersonFacts, Problem, validate_household
from fupin_desktop.services.errors import ServiceError, ValidationFailed
from fupin_desktop.services.households import edit_household, register_household
from fupin_desktop.services.results import Saved
from fupin_desktop.services.roster import household_form_start
from fupin_desktop.ui import messages
from fupin_desktop.ui.audit_dialog import AuditDialog
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.enter_clicks import enter_clicks
from fupin_desktop.ui.forms import (
    ERROR_STYLE,
    WARNING_STYLE,
    CodeCombo,
    FieldGrid,
    FormDialog,
    MultiCodeBox,
    change_signal,
    set_value_of,
    value_of,
)
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.person_form import PersonDialog
from fupin_desktop.ui.roster_models import MemberTableModel

_LAYOUT: tuple[tuple[str, bool], ...] = (
    ("household_no", False),
    ("card_no", False),
    ("village_group", False),
    ("phone", False),
    ("address", True),
    ("household_type", False),
    ("status", False),
    ("main_cause", False),
    ("other_causes", False),
)
_CODE_LISTS = {"household_type": "household_type", "status": "household_status", "main_cause": "poverty_cause"}


def _make_widget(name: str) -> QWidget:
    if name in _CODE_LISTS:
        return CodeCombo(_CODE_LISTS[name])
    if name == "other_causes":
        return MultiCodeBox("poverty_cause")
    edit = QLineEdit()
    if name == "phone":
        edit.setPlaceholderText("手机11位，或 区号-号码")
    return edit


def member_problem_text(problem: Problem, members: list[PersonFacts]) -> str:
    index = problem.member_index
    who = f"第{index + 1}名成员{members[index].name or ''}" if index is not None and index < len(members) else "本户"
    return f"{who}·{problem.label}：{problem.message}"


class HouseholdDialog(FormDialog):
    """Enter a new household with its members (``household_id`` None) or edit a saved one's fields."""

    def __init__(
        self,
        context: AppContext,
        *,
        village_id: uuid.UUID | None = None,
        household_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.household_id = household_id
        self.village_id = village_id
        self.saved_id: uuid.UUID | None = None
        self.member_dialog: PersonDialog | None = None
        self._members: list[PersonFacts] = []
        self._problems: list[Problem] = []
        self._tried = False
        self._touched: set[str] = set()

        start = context.database.read(household_form_start, household_id=household_id, village_id=village_id)
        record, village_name, suggestion = start.record, start.village_name, start.suggested_no
        if record is not None:
            self.village_id = record.village_id
        self.setWindowTitle(f"编辑农户 — {village_name}" if record else f"新增农户 — {village_name}")

        grid_layout = QGridLayout()
        self.grid = FieldGrid(grid_layout)
        for field, span in _LAYOUT:
            self.grid.add(field, FIELD_LABELS[field], _make_widget(field), span=span)
        fields_box = QGroupBox("户信息")
        fields_box.setLayout(grid_layout)

        layout = QVBoxLayout(self)
        layout.addWidget(fields_box)

        self.member_model = MemberTableModel(self)
        self.member_table: QTableView | None = None
        self.member_problems = QLabel()
        self.member_problems.setWordWrap(True)
        self.member_problems.setVisible(False)
        if record is None:
            layout.addWidget(self._members_box(), 1)
        self.general = QLabel()
        self.general.setWordWrap(True)
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setVisible(False)
        layout.addWidget(self.general)

        buttons = QHBoxLayout()
        if record is not None:
            history = QPushButton("修改记录…")
            history.setAutoDefault(False)
            enter_clicks(history)
            history.clicked.connect(self.show_history)
            buttons.addWidget(history)
            note = QLabel(f"本户{len(record.member_ids)}名成员请在主窗口的成员列表中修改。")
            note.setStyleSheet("color: #666;")
            buttons.addWidget(note)
        buttons.addStretch(1)
        self.save_button = QPushButton("保存(&S)")
        self.cancel_button = QPushButton("取消")
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        enter_clicks(self.save_button, self.cancel_button)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)

        editable = [self.grid.widgets[f] for f, _ in _LAYOUT]
        self.watch(editable, self._revalidate)
        for field, _span in _LAYOUT:
            change_signal(self.grid.widgets[field]).connect(lambda *_a, f=field: self._touch(f))

        self._loading = True
        if record is not None:
            for field, _span in _LAYOUT:
                set_value_of(self.grid.widgets[field], getattr(record.facts, field))
            self._members = list(record.facts.members)
        else:
            set_value_of(self.grid.widgets["household_no"], suggestion)
        self._loading = False
        self.resize(860, 720 if record is None else 420)
        self._revalidate()
        self.grid.widgets["household_no" if record is not None else "card_no"].setFocus()

    def _members_box(self) -> QGroupBox:
        box = QGroupBox("家庭成员（先登记户主）")
        table = QTableView()
        table.setModel(self.member_model)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setTabKeyNavigation(False)  # Tab leaves the list; arrows move in it
        for column, spec in enumerate(self.member_model.columns):
            table.setColumnWidth(column, spec.width)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.doubleClicked.connect(lambda index: self.edit_member(index.row()))
        self.member_table = table
        add = QPushButton("添加成员(&A)")
        edit = QPushButton("修改成员")
        remove = QPushButton("移除成员")
        for button in (add, edit, remove):
            button.setAutoDefault(False)
        enter_clicks(add, edit, remove)
        add.clicked.connect(self.add_member)
        edit.clicked.connect(lambda: self.edit_member(self._selected_member()))
        remove.clicked.connect(self.remove_member)
        QShortcut(QKeySequence("Ctrl+M"), self, self.add_member)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(edit)
        row.addWidget(remove)
        row.addStretch(1)
        hint = QLabel("Ctrl+M 添加成员　Ctrl+S 保存")
        hint.setStyleSheet("color: #666;")
        row.addWidget(hint)
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(table, 1)
        layout.addWidget(self.member_problems)
        return box

    # --- members of a new household --------------------------------------------------------

    def _selected_member(self) -> int | None:
        if self.member_table is None:
            return None
        rows = self.member_table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def add_member(self) -> None:
        if self.member_table is None:
            return
        defaults = PersonFacts(relation="户主" if not self._members else None, ethnicity="汉族")
        dialog = PersonDialog(self.context, facts=defaults, parent=self)
        dialog.setWindowTitle("添加成员")
        dialog.dirty = False
        dialog.accepted.connect(partial(self._member_done, dialog, None))
        self.member_dialog = dialog
        dialog.open()

    def edit_member(self, row: int | None) -> None:
        if row is None or not 0 <= row < len(self._members):
            return
        dialog = PersonDialog(self.context, facts=self._members[row], parent=self)
        dialog.accepted.connect(partial(self._member_done, dialog, row))
        self.member_dialog = dialog
        dialog.open()

    def _member_done(self, dialog: PersonDialog, row: int | None) -> None:
        if dialog.result_facts is None:
            return
        if row is None:
            self._members.append(dialog.result_facts)
        else:
            self._members[row] = dialog.result_facts
        self.dirty = True
        self.member_model.set_rows(self._members)
        self._revalidate()

    def remove_member(self) -> None:
        row = self._selected_member()
        if row is None:
            return
        name = self._members[row].name or ""
        if messages.confirm(self, "移除成员", f"从本户移除成员{name}？（尚未保存，移除后可重新添加）"):
            del self._members[row]
            self.dirty = True
            self.member_model.set_rows(self._members)
            self._revalidate()

    # --- checking and saving -----------------------------------------------------------------

    def _touch(self, field: str) -> None:
        if not self._loading:
            self._touched.add(field)

    def facts(self) -> HouseholdFacts:
        values = {field: value_of(self.grid.widgets[field]) for field, _ in _LAYOUT}
        return HouseholdFacts(**values, members=list(self._members))  # type: ignore[arg-type]

    def _revalidate(self) -> None:
        if self._loading:
            return
        self._problems = validate_household(self.facts(), clock.today())
        self._show(self._problems)

    def _show(self, problems: list[Problem]) -> None:
        own = [p for p in problems if p.member_index is None and p.field in self.grid.widgets]
        self.grid.show_problems(own, None if self._tried else self._touched)
        if self.household_id is not None:
            return
        about_members = [p for p in problems if p not in own]
        if not self._tried and not self._members:
            about_members = []
        text = "\n".join(member_problem_text(p, self._members) for p in sorted(about_members, key=_errors_first))
        self.member_problems.setText(text)
        self.member_problems.setVisible(bool(text))
        has_error = any(p.is_error for p in about_members)
        self.member_problems.setStyleSheet(ERROR_STYLE if has_error else WARNING_STYLE)

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def save(self) -> None:
        self._tried = True
        self._revalidate()
        self.general.setVisible(False)
        if any(p.is_error for p in self._problems):
            self._focus_first_error()
            return
        facts = self.facts()
        database, actor = self.context.database, self.context.actor

        def work() -> Saved:
            if self.household_id is None:
                assert self.village_id is not None
                return register_household(database, actor=actor, village_id=self.village_id, facts=facts)
            own_fields = replace(facts, members=[])
            return edit_household(database, actor=actor, household_id=self.household_id, facts=own_fields)

        Operation(self, self.context, work, changes="household").refused(self._show_refusal).success(self._saved).run()

    def _saved(self, saved: Saved) -> None:
        self.saved_id = saved.id
        self.accept_saved()

    def _show_refusal(self, error: ServiceError) -> None:
        if isinstance(error, ValidationFailed):
            self._show([*self._problems, *error.problems])
            self._focus_first_error(error.problems)
            return
        self.general.setText(messages.describe(error))
        self.general.setVisible(True)

    def _focus_first_error(self, problems: list[Problem] | None = None) -> None:
        widget = self.grid.first_error_field([p for p in problems or self._problems if p.member_index is None])
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.member_table is not None:
            self.member_table.setFocus()

    def show_history(self) -> None:
        assert self.household_id is not None
        number = value_of(self.grid.widgets["household_no"]) or ""
        AuditDialog(self.context, "household", [self.household_id], f"农户{number}", self).open()


def _errors_first(problem: Problem) -> tuple[bool, int]:
    return (not problem.is_error, problem.member_index if problem.member_index is not None else -1)
