"""The follow-up steps after 上报, as a clerk records them from the admission notice, the certificate
and the job: 录取/参训, 结业/毕业, 就业 for a selection, and one subsidy paid (补贴发放) for one person.

The step dialogs only collect the facts (the page runs the bulk step and reports who was refused);
the subsidy dialog saves itself and keeps the service's refusal on screen so the amount can be fixed.
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain import clock
from fupin_desktop.domain.eligibility import SUBSIDY_LABELS, subsidy_rules
from fupin_desktop.domain.profiles import load_profile
from fupin_desktop.services.followup import Employment, Enrolment, grant_subsidy
from fupin_desktop.services.results import Saved
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.date_edit import DateEdit
from fupin_desktop.ui.forms import ERROR_STYLE, editable_combo
from fupin_desktop.ui.operations import Operation

FIELD_WIDTH = 300


def date_edit(day: date | None = None) -> QDateEdit:
    edit = DateEdit(QDate(day or clock.today()))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumWidth(130)
    return edit


def line_edit(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMinimumWidth(FIELD_WIDTH)
    return edit


class StepDialog(QDialog):
    """A small form for one follow-up step over ``count`` people; OK only when the required fields are filled."""

    action = ""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{self.action} — 选中 {count} 人")
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.action)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(f"为选中的 {count} 人登记“{self.action}”。不符合条件的人员不会办理，并在结果中列出原因。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

    def required(self, *edits: QLineEdit | QComboBox) -> None:
        for edit in edits:
            line = edit.lineEdit() if isinstance(edit, QComboBox) else edit
            line.textChanged.connect(self._update)
        self._required = edits
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(all(_text(edit) for edit in self._required))


def _text(edit: QLineEdit | QComboBox) -> str:
    return (edit.currentText() if isinstance(edit, QComboBox) else edit.text()).strip()


class EnrolDialog(StepDialog):
    """录取/参训: the 技工院校 or training provider, the class, the start date and (if known) the end."""

    action = "录取/参训"

    def __init__(self, context: AppContext, count: int, parent: QWidget | None = None) -> None:
        super().__init__(count, parent)
        profile = load_profile(context.profile.province_profile or "default")
        self.provider = editable_combo([s.name for s in profile.schools], "录取通知书上的院校或培训机构全称")
        self.provider.setMinimumWidth(FIELD_WIDTH)
        self.class_name = line_edit("如：电工第3期、2026级数控加工1班（可不填）")
        self.start = date_edit()
        self.has_end = QCheckBox("填写结束日期")
        self.end = date_edit()
        self.end.setEnabled(False)
        self.has_end.toggled.connect(self.end.setEnabled)
        end_row = QHBoxLayout()
        end_row.addWidget(self.has_end)
        end_row.addWidget(self.end)
        end_row.addStretch(1)
        self.form.addRow("院校/培训机构：", self.provider)
        self.form.addRow("班级/期次：", self.class_name)
        self.form.addRow("入学/开班日期：", self.start)
        self.form.addRow("结业/毕业日期：", end_row)
        self.required(self.provider)

    def value(self) -> Enrolment:
        return Enrolment(
            provider=_text(self.provider),
            class_name=self.class_name.text().strip(),
            start_date=self.start.date().toPython(),
            end_date=self.end.date().toPython() if self.has_end.isChecked() else None,
        )


class CompleteDialog(StepDialog):
    """结业/毕业: the date and the certificate obtained."""

    action = "结业/毕业"

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(count, parent)
        self.end = date_edit()
        self.end.setMaximumDate(QDate(clock.today()))
        self.certificate = line_edit("如：电工 初级职业技能等级证书；毕业证书")
        self.form.addRow("结业/毕业日期：", self.end)
        self.form.addRow("所获证书：", self.certificate)
        self.required(self.certificate)

    def end_date(self) -> date:
        return self.end.date().toPython()


class EmployDialog(StepDialog):
    """就业: employer, place, start date and (if known) monthly income."""

    action = "就业"

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(count, parent)
        self.employer = line_edit("单位全称；自主创业填写经营项目")
        self.place = line_edit("如：临沂市兰山区、浙江省宁波市")
        self.start = date_edit()
        self.start.setMaximumDate(QDate(clock.today()))
        self.income = QSpinBox()
        self.income.setRange(0, 100_000)
        self.income.setSingleStep(100)
        self.income.setSuffix(" 元")
        self.income.setSpecialValueText("（未填写）")
        self.income.setMinimumWidth(130)
        self.form.addRow("就业单位：", self.employer)
        self.form.addRow("就业地点：", self.place)
        self.form.addRow("就业日期：", self.start)
        self.form.addRow("月收入：", self.income)
        self.required(self.employer, self.place)

    def value(self) -> Employment:
        return Employment(
            employer=self.employer.text().strip(),
            place=self.place.text().strip(),
            start_date=self.start.date().toPython(),
            monthly_income=self.income.value() or None,
        )


class SubsidyDialog(QDialog):
    """补贴发放 for one person: kind, amount and date, checked against the profile's yearly limits."""

    def __init__(
        self,
        context: AppContext,
        intention_id: uuid.UUID,
        person_name: str,
        history: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.intention_id = intention_id
        self.grant_id: uuid.UUID | None = None
        self.setWindowTitle(f"补贴发放 — {person_name}")
        profile = load_profile(context.profile.province_profile or "default")
        self.kind = QComboBox()
        for code, label in SUBSIDY_LABELS.items():
            self.kind.addItem(label, code)
        self.amount = QSpinBox()
        self.amount.setRange(0, 100_000)
        self.amount.setSingleStep(50)
        self.amount.setSuffix(" 元")
        self.amount.setMinimumWidth(130)
        self.day = date_edit()
        self.day.setMaximumDate(QDate(clock.today()))
        form = QFormLayout()
        form.addRow("补贴类别：", self.kind)
        form.addRow("金额：", self.amount)
        form.addRow("发放日期：", self.day)
        rules = QLabel(subsidy_rules(profile))
        rules.setWordWrap(True)
        rules.setStyleSheet("color: #555;")
        past = QLabel("已发放：" + ("；".join(history) if history else "无"))
        past.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("登记发放")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"为 <b>{person_name}</b> 登记一笔补贴发放"))
        layout.addLayout(form)
        layout.addWidget(rules)
        layout.addWidget(past)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.amount.valueChanged.connect(lambda _v: self.message.setVisible(False))
        self.kind.currentIndexChanged.connect(lambda _i: self.message.setVisible(False))
        self.setMinimumWidth(480)

    def save(self) -> None:
        if self.amount.value() <= 0:
            self._show("请填写发放金额。")
            return
        work = partial(
            grant_subsidy,
            self.context.database,
            actor=self.context.actor,
            intention_id=self.intention_id,
            kind=self.kind.currentData(),
            amount_yuan=self.amount.value(),
            on=self.day.date().toPython(),
        )
        operation = Operation(self, self.context, work, changes="intention")
        operation.refused(lambda error: self._show(messages.describe(error))).success(self._saved).run()

    def _saved(self, saved: Saved) -> None:
        self.grant_id = saved.id
        self.accept()

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
