"""本站信息: the station profile asked for on first start and editable from the menu later."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from fupin_desktop.domain.profiles import available_profiles
from fupin_desktop.domain.validation import validate_phone
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.settings import StationProfile, store_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.ui.enter_clicks import enter_clicks
from fupin_desktop.ui.forms import ERROR_STYLE, FormDialog
from fupin_desktop.ui.operations import Operation

LABELS = {
    "unit_name": "填表单位",
    "township": "乡镇（街道）",
    "operator_name": "操作员（填表人）",
    "contact_phone": "联系电话",
    "reviewer_name": "审核人",
    "head_name": "负责人",
}
REQUIRED = ("unit_name", "township", "operator_name")


class StationProfileDialog(FormDialog):
    """The station's own profile (填表单位, 经办人, 审核人, 负责人) and the province profile it follows."""

    def __init__(
        self,
        database: Database,
        profile: StationProfile,
        first_start: bool = False,
        parent: QWidget | None = None,
        *,
        actor: Who | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.actor = actor  # the signed-in account; None: the 填表人 being entered (no accounts yet)
        self.saved: StationProfile | None = None
        self.setWindowTitle("欢迎使用：请填写本站信息" if first_start else "本站信息")
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for name, label in LABELS.items():
            edit = QLineEdit(getattr(profile, name))
            edit.setMinimumWidth(320)
            self.edits[name] = edit
            form.addRow(f"{label}{'*' if name in REQUIRED else ''}：", edit)
        self.edits["unit_name"].setPlaceholderText("如：某某镇人力资源和社会保障所")
        self.edits["contact_phone"].setPlaceholderText("手机11位，或 区号-号码")
        self.province = QComboBox()
        for item in available_profiles():
            self.province.addItem(item.name, item.code)
        index = self.province.findData(profile.province_profile)
        self.province.setCurrentIndex(max(index, 0))
        form.addRow("省份政策：", self.province)
        intro = QLabel(
            "这些信息印在上报表的签章栏（填表单位、填表人、审核人、负责人、联系电话），"
            "每一处修改都记在操作员名下。带*的必须填写。"
        )
        intro.setWordWrap(True)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        save = QPushButton("保存(&S)")
        cancel = QPushButton("退出程序" if first_start else "取消")
        for button in (save, cancel):
            button.setAutoDefault(False)
        enter_clicks(save, cancel)
        save.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(save)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.watch([*self.edits.values()])
        self.province.currentIndexChanged.connect(self._changed)

    def profile(self) -> StationProfile:
        values = {name: edit.text().strip() for name, edit in self.edits.items()}
        return StationProfile(**values, province_profile=str(self.province.currentData()))

    def save(self) -> None:
        profile = self.profile()
        missing = [LABELS[name] for name in REQUIRED if not getattr(profile, name)]
        problems = [f"请填写{label}" for label in missing]
        phone_problem = validate_phone(profile.contact_phone)
        if phone_problem:
            problems.append(phone_problem)
        if problems:
            self.message.setText("；".join(problems))
            self.message.setVisible(True)
            return
        database = self.database

        def saved(stored: StationProfile) -> None:
            self.saved = stored
            self.accept_saved()

        work = partial(store_station_profile, database, actor=self.actor or profile.operator_name, profile=profile)
        Operation(self, None, work).success(saved).run()


ProfileDialog = StationProfileDialog  # the name before docs/glossary.md, kept for callers not yet renamed
