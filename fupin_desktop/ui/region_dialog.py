"""The station's area: 所属县 from the GB/T 2260 table, 新增乡镇 / 新增村 by name and 12-digit
统计用区划代码, 改名 and 撤并 of villages. Every dialog calls one service in services/regions.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial

from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain import area_codes
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.regions import (
    LEVEL_NAMES,
    RegionNode,
    RegionResult,
    add_region,
    merge_villages,
    rename_region,
    set_up_county,
)
from fupin_desktop.store.db import Database
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.forms import ERROR_STYLE, FormDialog
from fupin_desktop.ui.operations import Operation

HINT_STYLE = "color: #666;"


def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label


def _buttons(
    ok_text: str, on_ok: Callable[[], None], on_cancel: Callable[[], None], cancel_text: str = "取消"
) -> tuple[QHBoxLayout, QPushButton]:
    ok = QPushButton(ok_text)
    cancel = QPushButton(cancel_text)
    for button in (ok, cancel):
        button.setAutoDefault(False)
    ok.clicked.connect(on_ok)
    cancel.clicked.connect(on_cancel)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(ok)
    row.addWidget(cancel)
    return row, ok


class CountyDialog(FormDialog):
    """设置本站所属县: province → city → county from the shipped GB/T 2260 codes."""

    def __init__(self, database: Database, operator: Who, first_start: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.database = database
        self.operator = operator
        self.saved_code: str | None = None
        self.setWindowTitle("第二步：选择本站所属的县（区）" if first_start else "设置本站所属县（区）")
        self.province = QComboBox()
        self.city = QComboBox()
        self.county = QComboBox()
        for area in area_codes.provinces():
            self.province.addItem(area.name, area.code)
        self.province.currentIndexChanged.connect(self._fill_cities)
        self.city.currentIndexChanged.connect(self._fill_counties)
        form = QFormLayout()
        form.addRow("省（自治区、直辖市）：", self.province)
        form.addRow("市（地区、州）：", self.city)
        form.addRow("县（市、区）：", self.county)
        intro = QLabel(
            "区划代码取自国家标准GB/T 2260（随程序提供）。选定后，在“农户”页左侧用“新增乡镇”“新增村”，"
            "或“区划 → 导入区划代码表”建立本县的乡镇和村。"
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(HINT_STYLE)
        self.message = _message_label()
        buttons, self.ok_button = _buttons("确定(&O)", self.save, self.reject, "以后再设置" if first_start else "取消")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(intro)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._fill_cities()
        self.setMinimumWidth(460)

    def choose(self, code: str) -> None:
        """Select the county with this 6-digit code (and its province and city)."""
        for combo, digits in ((self.province, 2), (self.city, 4), (self.county, 6)):
            index = next((i for i in range(combo.count()) if str(combo.itemData(i))[:digits] == code[:digits]), -1)
            if index >= 0:
                combo.setCurrentIndex(index)

    def _fill_cities(self) -> None:
        self.city.clear()
        for area in area_codes.cities(str(self.province.currentData())):
            self.city.addItem(area.name, area.code)
        self._fill_counties()

    def _fill_counties(self) -> None:
        self.county.clear()
        if self.city.currentData() is None:
            return
        for area in area_codes.counties(str(self.city.currentData())):
            self.county.addItem(f"{area.name}（{area.code}）", area.code)

    def save(self) -> None:
        code = self.county.currentData()
        if code is None:
            self.message.setText("请选择县（市、区）")
            self.message.setVisible(True)
            return
        try:
            result = set_up_county(self.database, actor=self.operator, code=str(code))
        except messages.EXPECTED_ERRORS as error:  # a refusal, or a locked / full / read-only file
            self.message.setText(messages.describe(error))
            self.message.setVisible(True)
            return
        self.saved_code = result.code
        self.accept_saved()


class AddRegionDialog(FormDialog):
    """新增乡镇 (under the county) or 新增村 (under a township), by name and 12-digit code."""

    def __init__(
        self,
        context: AppContext,
        level: str,
        parent_name: str,
        parent_code: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.level = level
        self.saved_id: uuid.UUID | None = None
        kind = LEVEL_NAMES[level]
        self.setWindowTitle(f"新增{kind} — {parent_name}")
        prefix = (parent_code or "")[: 9 if level == "village" else 6]
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：北村" if level == "village" else "如：界湖街道、岸堤镇")
        self.code = QLineEdit(prefix)
        self.code.setValidator(QRegularExpressionValidator(r"\d{0,12}"))
        self.code.setPlaceholderText("12位统计用区划代码")
        form = QFormLayout()
        form.addRow(f"{kind}名称：", self.name)
        form.addRow("区划代码：", self.code)
        if level == "village":
            text = "区划代码前9位为所属乡镇代码，后3位为村的代码（可在国家统计局统计用区划代码中查到）。"
        else:
            text = "区划代码前6位为本县代码，第7–9位为乡镇代码，后3位为000。"
        hint = QLabel(text)
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.message = _message_label()
        buttons, _save = _buttons("保存(&S)", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.watch([self.name, self.code])
        self.code.returnPressed.connect(self.save)
        self.setMinimumWidth(440)

    def _refuse(self, text: str, focus: QWidget) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
        focus.setFocus()

    def save(self) -> None:
        code = self.code.text().strip()
        if not self.name.text().strip():
            self._refuse(f"请填写{LEVEL_NAMES[self.level]}名称", self.name)
            return
        if len(code) != 12:
            self._refuse(f"区划代码应为12位数字，现为{len(code)}位", self.code)
            return
        is_township = code[9:] == "000"
        if is_township != (self.level == "township"):
            wanted = "后3位为000" if self.level == "township" else "后3位不为000"
            self._refuse(f"{LEVEL_NAMES[self.level]}的区划代码应{wanted}：“{code}”", self.code)
            return
        database, actor, name = self.context.database, self.context.actor, self.name.text()
        operation = Operation(self, self.context, partial(add_region, database, actor=actor, code=code, name=name))
        operation = operation.refused(lambda error: self._refuse(messages.describe(error), self.code))
        operation.success(self._saved).run()

    def _saved(self, result: RegionResult) -> None:
        self.saved_id = result.id
        self.context.data_changed.emit("region")
        self.accept_saved()


class RenameRegionDialog(FormDialog):
    """改名 of a township or village (its code and households stay)."""

    def __init__(self, context: AppContext, region_id: uuid.UUID, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.region_id = region_id
        self.setWindowTitle(f"改名 — {name}")
        self.name = QLineEdit(name)
        form = QFormLayout()
        form.addRow("新名称：", self.name)
        self.message = _message_label()
        buttons, _ok = _buttons("保存(&S)", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.watch([self.name])
        self.name.returnPressed.connect(self.save)
        self.setMinimumWidth(360)

    def save(self) -> None:
        database, actor, name = self.context.database, self.context.actor, self.name.text()
        work = partial(rename_region, database, actor=actor, region_id=self.region_id, name=name)
        operation = Operation(self, self.context, work, changes="region").refused(self._refused)
        operation.success(lambda _result: self.accept_saved()).run()

    def _refused(self, error: ServiceError) -> None:
        self.message.setText(messages.describe(error))
        self.message.setVisible(True)


class MergeVillageDialog(FormDialog):
    """撤并: the chosen village's households move into another village, and the village is removed."""

    def __init__(
        self, context: AppContext, source: RegionNode, villages: list[RegionNode], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.source = source
        self.merged_into: uuid.UUID | None = None
        self.setWindowTitle(f"撤并 — {source.name}")
        self.target = QComboBox()
        for village in villages:
            if village.id != source.id:
                self.target.addItem(
                    f"{village.name}（{village.code or '无代码'}，{village.household_count}户）", village.id
                )
        form = QFormLayout()
        form.addRow("被撤并的村：", QLabel(f"{source.name}（{source.code or '无代码'}，{source.household_count}户）"))
        form.addRow("并入：", self.target)
        hint = QLabel("该村的全部农户和公示批次移入所选的村，该村随后删除；每一户的移动都记入修改记录。")
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.message = _message_label()
        buttons, _ok = _buttons("撤并…", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)

    def save(self) -> None:
        target = self.target.currentData()
        if target is None:
            self.message.setText("没有可并入的村：请先新增要并入的村")
            self.message.setVisible(True)
            return
        question = (
            f"把{self.source.name}的{self.source.household_count}户并入{self.target.currentText()}，"
            f"并删除{self.source.name}？\n\n此操作不能撤销（会记入修改记录）。"
        )
        if not messages.confirm(self, "撤并村", question, "撤并", "不撤并"):
            return
        database, actor = self.context.database, self.context.actor
        work = partial(merge_villages, database, actor=actor, source_id=self.source.id, target_id=target)
        operation = Operation(self, self.context, work, changes="region").refused(self._refused)
        operation.success(lambda _result: self._merged(target)).run()

    def _refused(self, error: ServiceError) -> None:
        self.message.setText(messages.describe(error))
        self.message.setVisible(True)

    def _merged(self, target: uuid.UUID) -> None:
        self.merged_into = target
        self.accept_saved()
