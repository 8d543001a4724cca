"""成员 form: made for fast keyboard entry. The ID number fills sex, birth date and age as soon as
it is complete; every problem shows under its field; errors block saving, warnings do not."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain import clock
from fupin_desktop.domain.idnumber import IdNumber, IdNumberError
from fupin_desktop.domain.validation import FIELD_LABELS, PersonFacts, Problem, validate_person
from fupin_desktop.services.errors import ServiceError, ValidationFailed
from fupin_desktop.services.households import edit_person, register_person
from fupin_desktop.services.results import Saved
from fupin_desktop.services.roster import household_members
from fupin_desktop.ui.audit_dialog import AuditDialog
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.enter_clicks import enter_clicks
from fupin_desktop.ui.forms import (
    ERROR_STYLE,
    CodeCombo,
    FieldGrid,
    FormDialog,
    MultiCodeBox,
    change_signal,
    months_box,
    set_value_of,
    value_of,
)
from fupin_desktop.ui.messages import describe
from fupin_desktop.ui.operations import Operation

# The editable fields in Tab order; sex and birth date come from the ID number.
_LAYOUT: tuple[tuple[str, bool], ...] = (
    ("name", False),
    ("id_number", False),
    ("relation", False),
    ("ethnicity", False),
    ("education", False),
    ("school_status", False),
    ("health", True),
    ("labour", False),
    ("employment", False),
    ("work_place", False),
    ("work_months", False),
    ("phone", False),
)
_CODE_LISTS = {
    "ethnicity": "ethnicity",
    "relation": "relation",
    "education": "education",
    "school_status": "school_status",
    "labour": "labour",
    "employment": "employment",
}


def _make_widget(name: str) -> QWidget:
    if name in _CODE_LISTS:
        return CodeCombo(_CODE_LISTS[name])
    if name == "health":
        return MultiCodeBox("health")
    if name == "work_months":
        return months_box()
    edit = QLineEdit()
    if name == "id_number":
        edit.setMaxLength(20)
        edit.setPlaceholderText("18位，末位可为X")
    elif name == "phone":
        edit.setPlaceholderText("手机11位，或 区号-号码")
    return edit


def describe_id(parsed: IdNumber) -> str:
    on = clock.today()
    return f"性别：{parsed.sex}　出生日期：{parsed.birth_date:%Y年%m月%d日}　年龄：{parsed.age_on(on)}岁"


class PersonDialog(FormDialog):
    """Enter or edit one member.

    Three uses: ``draft`` (a member of a household being entered: the facts come back in
    ``result_facts`` and the household form saves them all together), ``add`` (a new member of a
    saved household) and ``edit`` (a saved member); the last two save through the services.
    """

    def __init__(
        self,
        context: AppContext,
        *,
        facts: PersonFacts | None = None,
        household_id: uuid.UUID | None = None,
        person_id: uuid.UUID | None = None,
        member_index: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.household_id = household_id
        self.person_id = person_id
        self.member_index = member_index
        self.result_facts: PersonFacts | None = None
        self.saved_id: uuid.UUID | None = None
        self._touched: set[str] = set()
        self._tried = False
        self._problems: list[Problem] = []
        name = facts.name if facts and facts.name else ""
        self.setWindowTitle(f"编辑成员 — {name}" if facts else "新增成员")

        grid_layout = QGridLayout()
        self.grid = FieldGrid(grid_layout)
        for field, span in _LAYOUT:
            self.grid.add(field, FIELD_LABELS[field], _make_widget(field), span=span)
            if field == "id_number":
                self.id_info = QLabel()
                self.id_info.setObjectName("id_info")
                self.grid.add("derived", "性别/出生/年龄", self.id_info)
        self.grid.reserve_message("phone")  # checked as it is typed: its message must not move 保存
        self.id_edit = self.grid.widgets["id_number"]
        assert isinstance(self.id_edit, QLineEdit)

        self.general = QLabel()
        self.general.setWordWrap(True)
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setVisible(False)

        self.save_button = QPushButton("保存(&S)")
        self.cancel_button = QPushButton("取消")
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        enter_clicks(self.save_button, self.cancel_button)  # Enter on a focused 保存 saves, as in the household form
        buttons = QHBoxLayout()
        if person_id is not None:
            history = QPushButton("修改记录…")
            history.setAutoDefault(False)
            history.clicked.connect(self.show_history)
            buttons.addWidget(history)
        hint = QLabel("Enter 下一项　Ctrl+S 保存　Esc 关闭")
        hint.setStyleSheet("color: #666;")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)

        layout = QVBoxLayout(self)
        layout.addLayout(grid_layout)
        layout.addWidget(self.general)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(860)

        editable = [self.grid.widgets[f] for f, _ in _LAYOUT]
        self.watch(editable, self._revalidate)
        for field, _span in _LAYOUT:
            widget = self.grid.widgets[field]
            if field != "id_number":
                change_signal(widget).connect(lambda *_a, f=field: self._touch(f))
        self.id_edit.textChanged.connect(self._id_typed)
        self.id_edit.editingFinished.connect(lambda: self._touch("id_number"))
        if facts is not None:
            self._load(facts)
        self._revalidate()
        self.grid.widgets["name"].setFocus()

    # --- values -------------------------------------------------------------------------------

    def _load(self, facts: PersonFacts) -> None:
        self._loading = True
        try:
            for field, _span in _LAYOUT:
                set_value_of(self.grid.widgets[field], getattr(facts, field))
        finally:
            self._loading = False
        self._touched = {f for f, _ in _LAYOUT if getattr(facts, f) not in (None, "")}

    def facts(self) -> PersonFacts:
        values = {field: value_of(self.grid.widgets[field]) for field, _ in _LAYOUT}
        parsed = self._parsed_id()
        return PersonFacts(
            **values,  # type: ignore[arg-type]
            sex=parsed.sex if parsed else None,
            birth_date=parsed.birth_date if parsed else None,
        )

    def _parsed_id(self) -> IdNumber | None:
        try:
            return IdNumber.parse(self.id_edit.text())
        except IdNumberError:
            return None

    # --- live checking ------------------------------------------------------------------------

    def _touch(self, field: str) -> None:
        if not self._loading and field not in self._touched:
            self._touched.add(field)
            self._revalidate()

    def _id_typed(self, text: str) -> None:
        if len("".join(text.split())) >= 18:
            self._touched.add("id_number")
        self._revalidate()

    def _revalidate(self) -> None:
        parsed = self._parsed_id()
        self.id_info.setText(describe_id(parsed) if parsed else "由身份证号自动填出")
        self._problems = validate_person(self.facts(), clock.today())
        self.grid.show_problems(self._problems, None if self._tried else self._touched)

    def problems(self) -> list[Problem]:
        return list(self._problems)

    # --- saving -------------------------------------------------------------------------------

    def save(self) -> None:
        self._tried = True
        self._revalidate()
        self.general.setVisible(False)
        if any(p.is_error for p in self._problems):
            self._focus_first_error(self._problems)
            return
        facts = self.facts()
        if self.household_id is None and self.person_id is None:
            self.result_facts = facts
            self.accept_saved()
            return
        database, actor = self.context.database, self.context.actor

        def work() -> Saved:
            if self.person_id is not None:
                return edit_person(database, actor=actor, person_id=self.person_id, facts=facts)
            assert self.household_id is not None
            return register_person(database, actor=actor, household_id=self.household_id, facts=facts)

        def saved(result: Saved) -> None:
            self.saved_id = result.id
            self.result_facts = facts
            self.accept_saved()

        Operation(self, self.context, work, changes="household").refused(self._show_refusal).success(saved).run()

    def _show_refusal(self, error: ServiceError) -> None:
        if isinstance(error, ValidationFailed):
            self.show_service_problems(error.problems)
        else:
            self._show_general(describe(error))

    def show_service_problems(self, problems: list[Problem]) -> None:
        """Problems found by the household-wide check: this member's under their fields, the rest below."""
        mine = [p for p in problems if p.member_index is None or p.member_index == self.member_index]
        mine = [p for p in mine if p.field in self.grid.widgets]
        others = [p for p in problems if p not in mine and p.is_error]
        self.grid.show_problems([*self._problems, *mine])
        if others:
            self._show_general("\n".join(p.message for p in others))
        self._focus_first_error(mine)

    def _show_general(self, text: str) -> None:
        self.general.setText(text)
        self.general.setVisible(True)

    def _focus_first_error(self, problems: list[Problem]) -> None:
        widget = self.grid.first_error_field(problems)
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_history(self) -> None:
        assert self.person_id is not None
        name = self.facts().name or ""
        AuditDialog(self.context, "person", [self.person_id], f"成员{name}", self).open()


def member_index_of(context: AppContext, household_id: uuid.UUID, person_id: uuid.UUID | None) -> int:
    """The position validation problems use for this member (the next free one for a new member)."""
    members = context.database.read(household_members, household_id)
    return next((m.index for m in members if m.id == person_id), len(members))
