"""The 公示 page: batches with their people and objections, the days left, and the active profile's
rules and next reporting deadlines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.clock import today
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.profiles import ProvinceProfile, available_profiles, load_profile
from fupin_desktop.domain.workflow import chinese_date
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.intentions import BulkResult
from fupin_desktop.services.notices import (
    OBJECTION_METHODS,
    OUTCOME_HINTS,
    OUTCOMES,
    EntryRow,
    NoticeCreated,
    NoticeInput,
    NoticeRow,
    ObjectionInput,
    ObjectionRow,
    add_objection,
    candidates,
    correct_objection,
    end_notice,
    list_notices,
    notice_entries,
    notice_objections,
    settle_objection,
    start_notice,
)
from fupin_desktop.services.printouts import PrintResult, print_notice
from fupin_desktop.services.province import choose_province_profile
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.date_edit import DateEdit
from fupin_desktop.ui.messages import show_error
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.printing import make_printout
from fupin_desktop.ui.region_combo import RegionCombo
from fupin_desktop.ui.roster_models import Column, ListTableModel
from fupin_desktop.ui.tasks import Task

R = TypeVar("R")


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


def _date_edit(day: date) -> QDateEdit:
    edit = DateEdit(_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy年M月d日")
    return edit


def _buttons(ok: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    return buttons


class NewNoticeDialog(QDialog):
    """新建公示: a village or the township, its 审核通过 people (all ticked), dates, place, phone, unit."""

    def __init__(self, context: AppContext, profile: ProvinceProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.profile = profile
        self.notice_id: uuid.UUID | None = None
        self.summary = ""
        self.setWindowTitle("新建公示")
        station = context.profile
        self.region = RegionCombo(context.database, all_label=None, levels=("township", "village"), context=context)
        self.people = QListWidget()
        self.people.setMinimumHeight(200)
        self.people_label = QLabel()
        start = today()
        self.start = _date_edit(start)
        self.end = _date_edit(profile.notice_end_date(start))
        self.rule = QLabel()
        self.title = QLineEdit()
        self.place = QLineEdit(profile.notice.posting_place_default)
        self.phone = QLineEdit(station.contact_phone)
        self.phone.setPlaceholderText("如 0351-5221234")
        self.unit = QLineEdit(station.unit_name)
        self.unit.setPlaceholderText("如 某某镇人力资源和社会保障所")
        form = QFormLayout()
        form.addRow("公示范围", self.region)
        form.addRow("公示人员", self.people)
        form.addRow("", self.people_label)
        dates = QHBoxLayout()
        dates.addWidget(self.start)
        dates.addWidget(QLabel("至"))
        dates.addWidget(self.end)
        dates.addWidget(self.rule, 1)
        form.addRow("公示期", dates)
        form.addRow("标题", self.title)
        form.addRow("公示地点", self.place)
        form.addRow("监督电话", self.phone)
        form.addRow("发布单位", self.unit)
        buttons = _buttons("发布公示")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.region.currentIndexChanged.connect(self.load_people)
        self.start.dateChanged.connect(self._start_changed)
        self.people.itemChanged.connect(self._count)
        self._start_changed()
        self.load_people()

    def load_people(self) -> None:
        region_id = self.region.currentData()
        self.people.clear()
        if region_id is None:
            return
        rows = self.context.database.read(candidates, region_id)
        for row in rows:
            item = QListWidgetItem(f"{row.name}　{row.village}　{row.kind}：{row.what}")
            item.setData(Qt.ItemDataRole.UserRole, row.intention_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.people.addItem(item)
        name = self.region.currentText().strip().split("（")[0]
        self.title.setText(f"{name}{today().year}年技能培训和技工院校就读人员公示")
        self._count()

    def _count(self) -> None:
        chosen = len(self.chosen_ids())
        total = self.people.count()
        self.people_label.setText(
            f"已选 {chosen} / {total} 人（审核通过、尚未公示的人员）" if total else "该范围内没有审核通过、待公示的人员"
        )

    def _start_changed(self) -> None:
        earliest = self.profile.notice_end_date(_date(self.start))
        if _date(self.end) < earliest:
            self.end.setDate(_qdate(earliest))
        self.end.setMinimumDate(_qdate(earliest))
        self.rule.setText(f"不少于{self.profile.notice.label}，最早{chinese_date(earliest)}结束")

    def chosen_ids(self) -> list[uuid.UUID]:
        items = (self.people.item(i) for i in range(self.people.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == Qt.CheckState.Checked]

    def save(self) -> None:
        ids = self.chosen_ids()
        if not ids:
            show_error(self, ServiceError("请至少勾选一名公示人员。"))
            return
        data = NoticeInput(
            self.title.text(),
            _date(self.start),
            _date(self.end),
            self.place.text(),
            self.phone.text(),
            self.unit.text(),
        )
        region_id = self.region.currentData()
        work = partial(
            start_notice,
            self.context.database,
            actor=self.context.actor,
            region_id=region_id,
            intention_ids=ids,
            data=data,
        )
        _operation(self, self.context, work, changes="notice").success(self._created).run()

    def _created(self, created: NoticeCreated) -> None:
        self.notice_id = created.notice_id
        self.summary = created.result.summary()
        self.accept()


class ObjectionDialog(QDialog):
    """记录异议: who, how, when, what."""

    def __init__(self, person_name: str, parent: QWidget | None = None, current: ObjectionRow | None = None) -> None:
        """With ``current``: 修改异议, the recorded objection to correct."""
        super().__init__(parent)
        self.setWindowTitle(f"{'修改' if current else '记录'}异议 — {person_name}")
        self.raised_by = QLineEdit()
        self.raised_by.setPlaceholderText("反映人姓名；不愿具名填“匿名”")
        self.method = QComboBox()
        self.method.addItems(OBJECTION_METHODS)
        self.raised_on = _date_edit(today())
        self.content = QPlainTextEdit()
        self.content.setPlaceholderText("反映的具体情况")
        self.content.setFixedHeight(90)
        form = QFormLayout(self)
        form.addRow("反映人", self.raised_by)
        form.addRow("反映方式", self.method)
        form.addRow("反映日期", self.raised_on)
        form.addRow("异议内容", self.content)
        buttons = _buttons("保存修改" if current else "记录")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(440)
        if current is not None:
            self.raised_by.setText(current.raised_by)
            self.method.setCurrentText(current.method)
            self.raised_on.setDate(_qdate(current.raised_on))
            self.content.setPlainText(current.content)

    def value(self) -> ObjectionInput:
        return ObjectionInput(
            self.raised_by.text(), self.method.currentText(), _date(self.raised_on), self.content.toPlainText()
        )


class ResolveDialog(QDialog):
    """处理异议: 维持 / 撤销 / 更正, with what the investigation found."""

    def __init__(self, objection: ObjectionRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"处理异议 — {objection.person_name}")
        self.outcome = QComboBox()
        for outcome in OUTCOMES:
            self.outcome.addItem(f"{outcome}（{OUTCOME_HINTS[outcome]}）", outcome)
        self.resolution = QPlainTextEdit()
        self.resolution.setPlaceholderText("调查核实情况和处理意见")
        self.resolution.setFixedHeight(90)
        self.resolved_on = _date_edit(today())
        form = QFormLayout(self)
        form.addRow("异议", QLabel(f"{objection.raised_by}（{objection.method}）：{objection.content}"))
        form.addRow("处理结果", self.outcome)
        form.addRow("核实情况", self.resolution)
        form.addRow("处理日期", self.resolved_on)
        buttons = _buttons("确定")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(460)


class NoticesPage(QWidget):
    """公示: batches, their people and objections, closing; the profile's rules and deadlines."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.day = today()
        self.profile_combo = QComboBox()
        for profile in available_profiles():
            self.profile_combo.addItem(profile.name, profile.code)
        self.profile_combo.setCurrentIndex(max(self.profile_combo.findData(self._profile().code), 0))
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        self.deadlines = QLabel()
        self.deadlines.setWordWrap(True)
        self.deadlines.setTextFormat(Qt.TextFormat.RichText)
        profile_box = QGroupBox("地区配置与报送时限")
        profile_layout = QVBoxLayout(profile_box)
        chooser = QHBoxLayout()
        chooser.addWidget(QLabel("当前地区配置"))
        chooser.addWidget(self.profile_combo)
        chooser.addStretch(1)
        profile_layout.addLayout(chooser)
        profile_layout.addWidget(self.rules)
        profile_layout.addWidget(self.deadlines)
        profile_layout.addStretch(1)

        self.notices = ListTableModel[NoticeRow](
            [
                Column("范围", lambda r: r.region),
                Column("开始", lambda r: r.start_date.isoformat()),
                Column("结束", lambda r: r.end_date.isoformat()),
                Column("人数", lambda r: str(r.people)),
                Column("待处理异议", lambda r: str(r.open_objections)),
                Column("状态", lambda r: r.status(self.day)),
                Column("公示名称", lambda r: r.title),
            ],
            self,
        )
        self.notice_table = self._table(self.notices, (80, 86, 86, 40, 76, 100), stretch=6)
        self.notice_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.new_button = QPushButton("新建公示…")
        self.close_button = QPushButton("结束公示")
        self.print_button = QPushButton("打印公示…")
        self.export_button = QPushButton("导出PDF…")
        self.print_button.setToolTip("生成张贴用的公示通知（不含身份证号、电话和健康信息），预览后打印")
        self.print_button.clicked.connect(lambda: self.print_notice(export=False))
        self.export_button.clicked.connect(lambda: self.print_notice(export=True))
        notice_bar = QHBoxLayout()
        notice_bar.addWidget(self.new_button)
        notice_bar.addWidget(self.close_button)
        notice_bar.addWidget(self.print_button)
        notice_bar.addWidget(self.export_button)
        notice_bar.addStretch(1)

        self.entries = ListTableModel[EntryRow](
            [
                Column("姓名", lambda r: r.name),
                Column("性别", lambda r: r.sex or ""),
                Column("村", lambda r: r.village),
                Column("村民小组", lambda r: r.village_group or ""),
                Column("类别", lambda r: r.kind),
                Column("工种/专业及院校", lambda r: r.what),
                Column("推荐来源", lambda r: r.referral),
                Column("状态", lambda r: r.state),
                Column("异议", lambda r: r.objection),
            ],
            self,
        )
        self.entry_table = self._table(self.entries, (64, 40, 72, 64, 64, 0, 84, 76, 80), stretch=5)
        self.entry_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.objections = ListTableModel[ObjectionRow](
            [
                Column("被反映人", lambda r: r.person_name),
                Column("反映人", lambda r: r.raised_by),
                Column("方式", lambda r: r.method),
                Column("日期", lambda r: r.raised_on.isoformat()),
                Column("内容", lambda r: r.content),
                Column("结果", lambda r: r.outcome or "待处理"),
                Column("处理意见", lambda r: r.resolution or ""),
            ],
            self,
        )
        self.objection_table = self._table(self.objections, (70, 90, 44, 86, 220, 56), stretch=6)
        self.objection_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.record_button = QPushButton("记录异议…")
        self.resolve_button = QPushButton("处理异议…")
        self.correct_button = QPushButton("修改异议…")
        self.correct_button.setToolTip("处理之前可更正反映人、方式、日期或内容（记入修改记录）")
        self.correct_button.clicked.connect(self.correct)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.detail_title = QLabel("请在左侧选择一批公示")
        self.detail_title.setWordWrap(True)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.entry_table, 3)
        objection_bar = QHBoxLayout()
        objection_bar.addWidget(QLabel("异议："))
        objection_bar.addWidget(self.record_button)
        objection_bar.addWidget(self.correct_button)
        objection_bar.addWidget(self.resolve_button)
        objection_bar.addStretch(1)
        detail_layout.addLayout(objection_bar)
        detail_layout.addWidget(self.objection_table, 2)
        detail_layout.addWidget(self.result)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(notice_bar)
        left_layout.addWidget(self.notice_table, 1)
        left_layout.addWidget(profile_box)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(detail)
        split.setSizes([560, 700])
        QVBoxLayout(self).addWidget(split)

        self.notice_table.selectionModel().selectionChanged.connect(self.show_notice)
        self.entry_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.objection_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.new_button.clicked.connect(self.new_notice)
        self.close_button.clicked.connect(self.close_selected)
        self.record_button.clicked.connect(self.record)
        self.resolve_button.clicked.connect(self.resolve)
        self.profile_combo.currentIndexChanged.connect(self.change_profile)
        context.guard(self.new_button, Capability.PUBLISH_NOTICE)
        context.guard(self.close_button, Capability.CLOSE_NOTICE)
        for button in (self.record_button, self.resolve_button, self.correct_button):
            context.guard(button, Capability.HANDLE_OBJECTION)
        context.account_changed.connect(self._offer_profile_choice)
        self._offer_profile_choice()
        context.data_changed.connect(self._data_changed)
        context.profile_changed.connect(self.show_profile)
        self.reload()
        self.show_profile()

    def _offer_profile_choice(self) -> None:
        """The province's rules are a station setting: shown to everyone, changed by a 管理员."""
        may = self.context.may_do(Capability.STATION_SETTINGS)
        self.profile_combo.setEnabled(may)
        self.profile_combo.setToolTip("" if may else "需要管理员权限才能修改本站设置")

    def _table(self, model: QAbstractTableModel, widths: Sequence[int], *, stretch: int) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(26)
        for column, width in enumerate(widths):
            if width:
                table.setColumnWidth(column, width)
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    def _profile(self) -> ProvinceProfile:
        return load_profile(self.context.profile.province_profile or "default")

    # the profile panel

    def show_profile(self) -> None:
        profile = self._profile()
        index = self.profile_combo.findData(profile.code)
        if index != self.profile_combo.currentIndex():
            self.profile_combo.blockSignals(True)
            self.profile_combo.setCurrentIndex(index)
            self.profile_combo.blockSignals(False)
        s = profile.subsidies
        self.rules.setText(
            f"公示不少于{profile.notice.label}；培训年龄{profile.training_age.describe()}；"
            f"技工院校{profile.school_age.describe()}；培训补贴每年至多{s.training_per_year_max}次，"
            f"生活费补贴{s.living_allowance_yuan_per_day}元/人/天、每年{s.living_allowance_per_year_max}次。"
        )
        upcoming = profile.next_deadlines(self.day, 3)
        if not upcoming:
            self.deadlines.setText("下次报送：该配置的文件未规定固定报送时限，请按上级通知报送。")
            return
        lines = []
        for when, title in upcoming:
            left = (when - self.day).days
            color = "#b00020" if left <= 15 else "#333333"
            lines.append(f"<span style='color:{color}'>{chinese_date(when)}（还有{left}天）</span>　{title}")
        self.deadlines.setText("下次报送：<br>" + "<br>".join(lines))

    def change_profile(self) -> None:
        code = self.profile_combo.currentData()
        if code == self._profile().code:
            return
        work = partial(choose_province_profile, self.context.database, actor=self.context.actor, code=code)
        operation = _operation(self, self.context, work).success(self.context.set_profile)
        operation.failure(lambda _error: self.show_profile()).run()

    # batches

    def _data_changed(self, kind: str) -> None:
        if kind in ("intention", "notice"):
            self.reload()

    def reload(self) -> None:
        current = self.current_notice()
        self.day = today()
        self.notices.set_rows(self.context.database.read(list_notices))
        self.select_notice(current.id if current else None)

    def select_notice(self, notice_id: uuid.UUID | None) -> None:
        for row, notice in enumerate(self.notices.rows()):
            if notice.id == notice_id:
                self.notice_table.selectRow(row)
                return
        self.show_notice()

    def current_notice(self) -> NoticeRow | None:
        rows = self.notice_table.selectionModel().selectedRows()
        return self.notices.record(rows[0].row()) if rows else None

    def show_notice(self) -> None:
        notice = self.current_notice()
        if notice is None:
            self.entries.set_rows([])
            self.objections.set_rows([])
            self.detail_title.setText("请在左侧选择一批公示")
        else:
            self.entries.set_rows(self.context.database.read(notice_entries, notice.id))
            self.objections.set_rows(self.context.database.read(notice_objections, notice.id))
            self.detail_title.setText(
                f"<b>{notice.title}</b><br>{chinese_date(notice.start_date)}至{chinese_date(notice.end_date)}，"
                f"{notice.people}人，{notice.status(self.day)}"
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        notice = self.current_notice()
        running = notice is not None and not notice.closed
        self.close_button.setEnabled(running)
        self.print_button.setEnabled(notice is not None)
        self.export_button.setEnabled(notice is not None)
        self.record_button.setEnabled(bool(self.entry_table.selectionModel().selectedRows()))
        objection = self._current(self.objection_table, self.objections)
        open_objection = objection is not None and objection.outcome is None
        self.resolve_button.setEnabled(open_objection)
        self.correct_button.setEnabled(open_objection)  # a handled objection's record is not changed

    @staticmethod
    def _current(table: QTableView, model: ListTableModel[R]) -> R | None:
        rows = table.selectionModel().selectedRows()
        return model.record(rows[0].row()) if rows else None

    def print_notice(self, *, export: bool) -> Task[PrintResult] | None:
        """The selected batch's 公示 notice: previewed to print, or saved as PDF in a chosen folder."""
        notice = self.current_notice()
        if notice is None:
            return None
        database = self.context.database

        def write(folder: Path) -> PrintResult:
            return print_notice(database, out_dir=folder, notice_id=notice.id)

        def done(result: PrintResult) -> None:
            self.result.setText(f"已生成公示通知（{result.count}人）：{result.path}")

        return make_printout(self, "正在生成公示通知", write, export=export, done=done)

    def new_notice(self) -> None:
        dialog = NewNoticeDialog(self.context, self._profile(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.select_notice(dialog.notice_id)
            self.result.setText(dialog.summary)

    def close_selected(self) -> None:
        notice = self.current_notice()
        if notice is None:
            return
        day = today()
        if not notice.closed and day < notice.end_date:
            # Refused at once: asking "are you sure?" first and refusing after would waste a click.
            days = (notice.end_date - day).days
            text = f"“{notice.title}”公示期至{chinese_date(notice.end_date)}，还有{days}天，期满后才能结束公示。"
            show_error(self, ServiceError(text))
            return
        question = f"结束“{notice.title}”？无异议的人员将转为“公示期满”。"
        if not messages.confirm(self, "结束公示", question, "结束公示", "不结束"):
            return
        self.close_notice(notice.id)

    def close_notice(self, notice_id: uuid.UUID) -> None:
        work = partial(end_notice, self.context.database, actor=self.context.actor, notice_id=notice_id, on=today())
        _operation(self, self.context, work, changes="notice").success(lambda r: self.result.setText(r.summary())).run()

    def record(self) -> None:
        notice = self.current_notice()
        entry = self._current(self.entry_table, self.entries)
        if notice is None or entry is None:
            return
        dialog = ObjectionDialog(entry.name, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        work = partial(
            add_objection,
            self.context.database,
            actor=self.context.actor,
            notice_id=notice.id,
            intention_id=entry.intention_id,
            data=dialog.value(),
        )
        if _operation(self, self.context, work, changes="notice").run():
            self.result.setText(f"已记录对{entry.name}的异议；处理完毕前，{entry.name}不能进入下一步。")

    def correct(self) -> None:
        objection = self._current(self.objection_table, self.objections)
        if objection is None:
            return
        if objection.outcome is not None:
            text = f"对{objection.person_name}的异议已处理为“{objection.outcome}”，处理后的异议记录不能再修改。"
            show_error(self, ServiceError(text))
            return
        dialog = ObjectionDialog(objection.person_name, self, current=objection)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            result = correct_objection(
                self.context.database, actor=self.context.actor, objection_id=objection.id, data=dialog.value()
            )
        except ServiceError as error:
            show_error(self, error)
            return
        self.context.data_changed.emit("notice")
        changed = "、".join(result.changed) if result.changed else "没有改动"
        self.result.setText(f"已修改对{objection.person_name}的异议：{changed}（已记入修改记录）。")

    def resolve(self) -> None:
        objection = self._current(self.objection_table, self.objections)
        if objection is None:
            return
        dialog = ResolveDialog(objection, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        outcome = dialog.outcome.currentData()
        work = partial(
            settle_objection,
            self.context.database,
            actor=self.context.actor,
            objection_id=objection.id,
            outcome=outcome,
            resolution=dialog.resolution.toPlainText(),
            on=_date(dialog.resolved_on),
        )

        def settled(step: BulkResult | None) -> None:
            self.result.setText(
                f"对{objection.person_name}的异议已处理为“{outcome}”。" + (f"\n{step.summary()}" if step else "")
            )

        _operation(self, self.context, work, changes="notice").success(settled).run()


def _operation(parent: QWidget, context: AppContext, work: Any, *, changes: str | None = None) -> Operation[Any]:
    """This page shows refusals through its own ``show_error`` (a message box)."""
    return Operation(parent, context, work, changes=changes).refused(lambda error: show_error(parent, error))
