"""Recording an intention (意愿): a reusable form, a dialog for a known person, and one that finds the person.

``IntentionForm`` is a plain widget that any dialog (the visit dialog, say) can embed: it returns an
``IntentionInput`` or a Chinese problem. ``IntentionDialog`` saves one for a given person.
"""

from __future__ import annotations

import uuid
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.domain.profiles import ProvinceProfile, load_profile
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.intentions import IntentionInput, register_intention
from fupin_desktop.services.pairing import SchoolChoices, choices_for_county, school_choices
from fupin_desktop.services.results import Saved
from fupin_desktop.services.search import search_people
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.forms import editable_combo
from fupin_desktop.ui.messages import show_error
from fupin_desktop.ui.operations import Operation

KIND_CODES = codelist("intention_kind")
REFERRAL_CODES = codelist("referral_source")


class IntentionForm(QWidget):
    """意愿类别, 工种 or 专业, 意向院校, 培训类型, 推荐来源 — the fields change with the kind."""

    def __init__(
        self,
        profile: ProvinceProfile | None = None,
        parent: QWidget | None = None,
        *,
        choices: SchoolChoices | None = None,
    ) -> None:
        super().__init__(parent)
        profile = profile or load_profile("default")
        choices = choices or choices_for_county(profile, None)
        self.kind = QComboBox()
        for item in KIND_CODES:
            self.kind.addItem(item.name, item.code)
        self.occupation = editable_combo(codelist("occupation").names(), "选择或输入工种")
        self.major = editable_combo(codelist("major").names(), "选择或输入专业")
        # The county's paired schools (黑龙江 附件1) come first, then the profile's others.
        self.school = editable_combo(choices.ordered, "选择或输入技工院校")
        self.paired_label = QLabel(
            f"{choices.county}结对院校：{'、'.join(choices.paired)}（列在最前）" if choices.paired else ""
        )
        self.paired_label.setWordWrap(True)
        self.paired_label.setVisible(bool(choices.paired))
        self.training_type = QComboBox()
        self.training_type.addItem("（未定）", None)
        for name in codelist("training_type").names():
            self.training_type.addItem(name, name)
        self.referral = QComboBox()
        for item in REFERRAL_CODES:
            self.referral.addItem(item.name, item.code)
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.addRow("意愿类别", self.kind)
        self.layout_.addRow("培训工种", self.occupation)
        self.layout_.addRow("就读专业", self.major)
        self.layout_.addRow("意向院校", self.school)
        self.layout_.addRow("", self.paired_label)
        self.layout_.addRow("培训类型", self.training_type)
        self.layout_.addRow("推荐来源", self.referral)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        school = self.kind.currentData() == "school"
        for widget, visible in (
            (self.occupation, not school),
            (self.major, school),
            (self.school, school),
            (self.paired_label, school and bool(self.paired_label.text())),
            (self.training_type, not school),
        ):
            self.layout_.setRowVisible(widget, visible)
        label = self.layout_.labelForField(self.occupation)
        if isinstance(label, QLabel):
            label.setText(
                {"employment": "意向岗位（工种）", "business": "创业项目（工种）"}.get(
                    self.kind.currentData(), "培训工种"
                )
            )

    def value(self) -> IntentionInput:
        kind = self.kind.currentData()
        school = kind == "school"

        def text(combo: QComboBox) -> str | None:
            return combo.currentText().strip() or None

        return IntentionInput(
            kind=kind,
            occupation=None if school else text(self.occupation),
            major=text(self.major) if school else None,
            school=text(self.school) if school else None,
            training_type=None if school else self.training_type.currentData(),
            referral_source=self.referral.currentData(),
        )

    def problem(self) -> str | None:
        """What is missing, in Chinese, or None."""
        data = self.value()
        if data.kind == "training" and not data.occupation:
            return "请选择或填写培训工种。"
        if data.kind == "school" and not (data.major or data.school):
            return "请选择就读专业或意向院校。"
        return None


class IntentionDialog(QDialog):
    """登记意愿 for one known person; ``intention_id`` is set after a successful save."""

    def __init__(self, context: AppContext, person_id: uuid.UUID, person_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.person_id = person_id
        self.intention_id: uuid.UUID | None = None
        self.setWindowTitle(f"登记意愿 — {person_name}")
        choices = context.database.read(school_choices, person_id=person_id)
        self.form = IntentionForm(load_profile(context.profile.province_profile or "default"), choices=choices)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"为 <b>{person_name}</b> 登记意愿（状态：登记）"))
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def save(self) -> None:
        problem = self.form.problem()
        if problem:
            show_error(self, ServiceError(problem))
            return
        database, actor = self.context.database, self.context.actor
        work = partial(register_intention, database, actor=actor, person_id=self.person_id, data=self.form.value())
        Operation(self, self.context, work, changes="intention").success(self._saved).run()

    def _saved(self, saved: Saved) -> None:
        self.intention_id = saved.id
        self.accept()


class NewIntentionDialog(IntentionDialog):
    """登记意愿 for a person found by name, pinyin initials or ID number."""

    def __init__(self, context: AppContext, region_id: uuid.UUID | None, parent: QWidget | None = None) -> None:
        super().__init__(context, uuid.UUID(int=0), "（请先查找人员）", parent)
        self.setWindowTitle("登记意愿")
        self.region_id = region_id
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入姓名、拼音首字母或身份证号查找人员")
        self.results = QListWidget()
        self.results.setMinimumHeight(160)
        self.chosen = QLabel("尚未选择人员")
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        old_title = layout.itemAt(0).widget()
        old_title.hide()
        layout.insertWidget(0, self.search)
        layout.insertWidget(1, self.results)
        layout.insertWidget(2, self.chosen)
        self.search.textChanged.connect(self.find)
        self.results.currentItemChanged.connect(self._choose)

    def find(self, text: str) -> None:
        self.results.clear()
        rows = self.context.database.read(search_people, text, self.region_id, limit=50)
        for person_id, name, sex, id_number, _household, household_no, village in rows:
            masked = mask_id(id_number) or "无身份证号"
            item = QListWidgetItem(f"{name}　{sex or ''}　{masked}　{village}　户号{household_no}")
            item.setData(Qt.ItemDataRole.UserRole, (person_id, name))
            self.results.addItem(item)

    def _choose(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.person_id, name = item.data(Qt.ItemDataRole.UserRole)
        self.chosen.setText(f"为 <b>{name}</b> 登记意愿（状态：登记）")

    def save(self) -> None:
        if self.person_id.int == 0:
            show_error(self, ServiceError("请先查找并选择人员。"))
            return
        super().save()
