"""The 意愿 page: intentions filtered by region, kind and state; bulk steps over a selection with a
per-person result in Chinese; and the full history of the selected intention."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.accounts import roles_phrase
from fupin_desktop.domain.clock import today
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.eligibility import age_on
from fupin_desktop.domain.permissions import PERMISSIONS, STEP_CAPABILITIES, Capability
from fupin_desktop.domain.workflow import ACTION_LABELS, ALLOWED, REASON_REQUIRED, STATE_LABELS, State
from fupin_desktop.services.followup import (
    GRANT_STATES,
    followup_details,
    record_completion,
    record_employment,
    record_enrolment,
)
from fupin_desktop.services.intention_list import (
    HistoryRow,
    IntentionFilter,
    IntentionRow,
    count_intentions,
    fetch_intentions,
    intention_history,
)
from fupin_desktop.services.intentions import KIND_LABELS, BulkResult, take_step
from fupin_desktop.services.notices import intention_subject
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.followup_dialogs import CompleteDialog, EmployDialog, EnrolDialog, SubsidyDialog
from fupin_desktop.ui.intention_form import NewIntentionDialog
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.region_combo import RegionCombo
from fupin_desktop.ui.roster_models import RECORD_ROLE, Column, ListTableModel, local_time

PAGE_SIZE = 200
REFERRAL_LABELS = {item.code: item.name for item in codelist("referral_source")}

# The steps offered for a selection, in the order of the procedure.
BULK_STEPS = (State.REFERRED, State.APPROVED, State.RETURNED, State.REJECTED, State.WITHDRAWN)
# After 上报: each asks for the facts of the step (院校, 证书, 单位) in its own dialog.
FOLLOWUP_STEPS = (State.ENROLLED, State.COMPLETED, State.EMPLOYED)
REASON_PRESETS = {
    State.RETURNED: ("缺少身份证、户口簿复印件，请补齐后重新推荐", "培训工种或院校意向填写不明确，请与本人核实"),
    State.REJECTED: (
        "经核实不符合建档立卡贫困家庭条件",
        "经核实本年度已享受同类培训补贴",
        "经核实已在校就读，不属于两后生",
    ),
    State.WITHDRAWN: ("已外出务工，本人放弃", "家中有人需要照顾，本人申请放弃", "已被其他学校录取，本人放弃"),
}


class IntentionTableModel(QAbstractTableModel):
    """Intentions matching a filter, fetched from the database a page at a time."""

    COLUMNS = (
        "姓名",
        "性别",
        "年龄",
        "村",
        "村民小组",
        "类别",
        "工种/专业",
        "培训类型",
        "推荐来源",
        "状态",
        "状态变更",
    )
    NAME, SEX, AGE, VILLAGE, GROUP, KIND, SUBJECT, TRAINING_TYPE, REFERRAL, STATE, CHANGED = range(11)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.filter = IntentionFilter()
        self.rows: list[IntentionRow] = []
        self.total = 0
        self.today = today()

    def set_filter(self, flt: IntentionFilter) -> None:
        self.filter = flt
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.total = self.context.database.read(count_intentions, self.filter)
        self.rows = self.context.database.read(fetch_intentions, self.filter, 0, PAGE_SIZE)
        self.today = today()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if parent.isValid():
            return
        more = self.context.database.read(fetch_intentions, self.filter, len(self.rows), PAGE_SIZE)
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == RECORD_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (self.SEX, self.AGE):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _text(self, row: IntentionRow, column: int) -> str:
        if column == self.NAME:
            return row.name
        if column == self.SEX:
            return row.sex or ""
        if column == self.AGE:
            return str(age_on(row.birth_date, self.today)) if row.birth_date else ""
        if column == self.VILLAGE:
            return row.village
        if column == self.GROUP:
            return row.village_group or ""
        if column == self.KIND:
            return KIND_LABELS.get(row.kind, row.kind)
        if column == self.SUBJECT:
            return intention_subject(row.kind, row.occupation, row.major, row.school)
        if column == self.TRAINING_TYPE:
            return row.training_type or ""
        if column == self.REFERRAL:
            return REFERRAL_LABELS.get(row.referral_source or "", row.referral_source or "")
        if column == self.STATE:
            return STATE_LABELS[State(row.state)]
        return local_time(row.state_changed_at)


def history_model(parent: QWidget) -> ListTableModel[HistoryRow]:
    """The steps of one intention (a handful of rows): when, from, to, who, why."""
    return ListTableModel[HistoryRow](
        [
            Column("时间", lambda r: local_time(r.at)),
            Column("由", lambda r: r.from_label),
            Column("至", lambda r: r.to_label),
            Column("操作员", lambda r: r.operator),
            Column("原因", lambda r: r.reason),
        ],
        parent,
    )


class ReasonDialog(QDialog):
    """Asks why (退回, 不予通过, 本人放弃): a reason is required, common ones are one click away."""

    def __init__(self, target: State, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{ACTION_LABELS[target]} — 填写原因")
        self.presets = QComboBox()
        self.presets.addItem("常用原因……", None)
        for text in REASON_PRESETS.get(target, ()):
            self.presets.addItem(text, text)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("请写明原因，将记入每人的办理记录")
        self.text.setFixedHeight(90)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ACTION_LABELS[target])
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"对选中的 {count} 人“{ACTION_LABELS[target]}”，原因："))
        layout.addWidget(self.presets)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self.presets.currentIndexChanged.connect(self._preset)
        self.text.textChanged.connect(self._update)
        self._update()
        self.setMinimumWidth(440)

    def _preset(self) -> None:
        if self.presets.currentData():
            self.text.setPlainText(self.presets.currentData())

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.reason()))

    def reason(self) -> str:
        return self.text.toPlainText().strip()


class IntentionsPage(QWidget):
    """意愿: find, select many, take a step; see who moved and why the others did not."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.dialog: QDialog | None = None  # the step dialog open now (tests drive it)
        self.region = RegionCombo(context.database, context=context)
        self.kind = QComboBox()
        self.kind.addItem("全部类别", None)
        for code, name in KIND_LABELS.items():
            self.kind.addItem(name, code)
        self.state = QComboBox()
        self.state.addItem("全部状态", None)
        for state in State:
            self.state.addItem(STATE_LABELS[state], state.value)
        self.search = QLineEdit()
        self.search.setPlaceholderText("姓名 / 拼音首字母 / 身份证号")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.count_label = QLabel()

        filters = QHBoxLayout()
        for label, widget in (("地区", self.region), ("类别", self.kind), ("状态", self.state), ("查找", self.search)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.count_label)

        self.model = IntentionTableModel(context, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list; arrows move in it
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((80, 44, 44, 90, 70, 70, 0, 130, 90, 110, 130)):
            if width:
                self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(IntentionTableModel.SUBJECT, QHeaderView.ResizeMode.Stretch)

        self.new_button = QPushButton("登记意愿…")
        self.step_buttons: dict[State, QPushButton] = {}
        actions = QHBoxLayout()
        actions.addWidget(self.new_button)
        actions.addSpacing(16)
        actions.addWidget(QLabel("审核："))
        for target in BULK_STEPS:
            button = QPushButton(ACTION_LABELS[target] + ("…" if target in REASON_REQUIRED else ""))
            button.clicked.connect(lambda _checked=False, t=target: self.take_step(t))
            self.step_buttons[target] = button
            actions.addWidget(button)
        actions.addStretch(1)
        self.selection_label = QLabel("未选择")
        actions.addWidget(self.selection_label)
        followup = QHBoxLayout()
        followup.addWidget(QLabel("上报后跟踪："))
        for target in FOLLOWUP_STEPS:
            button = QPushButton(ACTION_LABELS[target] + "…")
            button.clicked.connect(lambda _checked=False, t=target: self.take_step(t))
            self.step_buttons[target] = button
            followup.addWidget(button)
        followup.addSpacing(16)
        self.subsidy_button = QPushButton("补贴发放…")
        self.subsidy_button.setToolTip("为选中的一名已录取/已参训或已结业/已毕业人员登记一笔补贴")
        self.subsidy_button.clicked.connect(self.record_subsidy)
        followup.addWidget(self.subsidy_button)
        followup.addStretch(1)

        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setPlaceholderText("批量操作的结果（谁已办理、谁未通过及原因）显示在这里。")
        self.history_model = history_model(self)
        self.history = QTableView()
        self.history.setModel(self.history_model)
        self.history.setTabKeyNavigation(False)
        self.history.verticalHeader().hide()
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.setWordWrap(True)
        for column, width in enumerate((130, 80, 90, 70)):
            self.history.setColumnWidth(column, width)
        self.history_title = QLabel("办理记录：请在上方选择一人")
        self.history_title.setWordWrap(True)
        self.followup_label = QLabel()
        self.followup_label.setWordWrap(True)
        self.followup_label.setVisible(False)
        self.followup_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.history_title, self.followup_label):
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        result_box = QGroupBox("操作结果")
        QVBoxLayout(result_box).addWidget(self.result)
        history_box = QGroupBox("办理记录")
        history_layout = QVBoxLayout(history_box)
        history_layout.addWidget(self.history_title)
        history_layout.addWidget(self.followup_label)
        history_layout.addWidget(self.history)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(result_box)
        bottom.addWidget(history_box)
        bottom.setSizes([420, 640])
        split = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.table)
        top_layout.addLayout(actions)
        top_layout.addLayout(followup)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([480, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(300)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._search_timer.start)
        for combo in (self.region, self.kind, self.state):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.new_button.clicked.connect(self.new_intention)
        context.guard(self.new_button, Capability.REGISTER_INTENTION)
        context.guard(self.subsidy_button, Capability.GRANT_SUBSIDY)
        context.data_changed.connect(self._data_changed)
        context.account_changed.connect(self._selection_changed)
        self.apply_filter()

    # filtering and selection

    def apply_filter(self) -> None:
        keep = {row.id for row in self.selected_rows()}
        self.model.set_filter(
            IntentionFilter(
                region_id=self.region.currentData(),
                kind=self.kind.currentData(),
                state=self.state.currentData(),
                text=self.search.text(),
                viewer=self.context.actor,
            )
        )
        self.count_label.setText(f"共 {self.model.total} 条")
        if keep:
            self._reselect(keep)

    def _reselect(self, ids: set[object]) -> None:
        """Keep the clerk's selection across a refresh (录取 then 结业 on the same people)."""
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for number, row in enumerate(self.model.rows):
            if row.id in ids:
                selection.select(self.model.index(number, 0), self.model.index(number, last))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _data_changed(self, kind: str) -> None:
        if kind in ("intention", "notice", "household", "region"):
            if kind in ("household", "region"):
                self.region.reload()
            self.apply_filter()

    def selected_rows(self) -> list[IntentionRow]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.rows[r] for r in rows]

    def _selection_changed(self) -> None:
        rows = self.selected_rows()
        self.selection_label.setText(f"已选 {len(rows)} 人" if rows else "未选择")
        for target, button in self.step_buttons.items():
            able = sum(1 for r in rows if target in ALLOWED[State(r.state)])
            button.setEnabled(able > 0)
            if not rows:
                button.setToolTip("请先在上方选择人员")
            elif able:
                button.setToolTip(f"选中的 {len(rows)} 人中 {able} 人可以“{ACTION_LABELS[target]}”")
            else:
                button.setToolTip(f"选中人员的状态都不能“{ACTION_LABELS[target]}”")
            capability = STEP_CAPABILITIES[target]
            if not self.context.may_do(capability):
                rule = PERMISSIONS[capability]
                button.setEnabled(False)
                button.setToolTip(f"需要{roles_phrase(rule.roles)}权限才能{rule.what}")
        self.subsidy_button.setEnabled(len(rows) == 1 and rows[0].state in GRANT_STATES)
        if len(rows) == 1:
            self.show_history(rows[0])
        else:
            self.history_model.set_rows([])
            self.followup_label.setVisible(False)
            self.history_title.setText("办理记录：请在上方选择一人" if not rows else "办理记录：选中多人时不显示")

    def show_history(self, row: IntentionRow) -> None:
        self.history_model.set_rows(self.context.database.read(intention_history, row.id))
        lines = self.context.database.read(followup_details, row.id).lines()
        self.followup_label.setText("\n".join(lines))
        self.followup_label.setVisible(bool(lines))
        subject = intention_subject(row.kind, row.occupation, row.major, row.school)
        self.history_title.setText(
            f"{row.name}（{row.village}）{KIND_LABELS.get(row.kind, row.kind)}：{subject} — "
            f"当前“{STATE_LABELS[State(row.state)]}”"
        )
        self.history.resizeRowsToContents()

    # use cases

    def new_intention(self) -> None:
        dialog = NewIntentionDialog(self.context, self.region.currentData(), self)
        dialog.exec()

    def take_step(self, target: State, reason: str | None = None) -> BulkResult | None:
        """Move the selected intentions; asks for a reason, or the follow-up facts, when the step needs them."""
        rows = self.selected_rows()
        if not rows:
            return None
        if target in FOLLOWUP_STEPS:
            return self._follow_up(target, rows)
        if target in REASON_REQUIRED and reason is None:
            dialog = ReasonDialog(target, len(rows), self)
            self.dialog = dialog
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            reason = dialog.reason()
        ids = [r.id for r in rows]
        database, actor = self.context.database, self.context.actor
        return self._bulk(
            lambda: take_step(database, actor=actor, intention_ids=ids, target=target, reason=reason, on=today())
        )

    def _bulk(self, work: Callable[[], BulkResult]) -> BulkResult | None:
        """Run one bulk step and show who moved and who was refused, and why."""
        done: list[BulkResult] = []
        Operation(self, self.context, work).success(done.append).run()
        if not done:
            return None
        result = done[0]
        self.result.setPlainText(result.summary())
        if result.moved:
            self.context.data_changed.emit("intention")
        return result

    def _follow_up(self, target: State, rows: list[IntentionRow]) -> BulkResult | None:
        ids = [r.id for r in rows]
        dialog: EnrolDialog | CompleteDialog | EmployDialog
        if target == State.ENROLLED:
            dialog = EnrolDialog(self.context, len(rows), self)
        elif target == State.COMPLETED:
            dialog = CompleteDialog(len(rows), self)
        else:
            dialog = EmployDialog(len(rows), self)
        self.dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        database, actor = self.context.database, self.context.actor
        work: Callable[[], BulkResult]
        if isinstance(dialog, EnrolDialog):
            work = partial(
                record_enrolment, database, actor=actor, intention_ids=ids, enrolment=dialog.value(), on=today()
            )
        elif isinstance(dialog, CompleteDialog):
            certificate, end = dialog.certificate.text(), dialog.end_date()
            work = partial(
                record_completion, database, actor=actor, intention_ids=ids, certificate=certificate, end_date=end
            )
        else:
            work = partial(record_employment, database, actor=actor, intention_ids=ids, job=dialog.value())
        return self._bulk(work)

    def record_subsidy(self) -> str | None:
        """补贴发放 for the one selected person; returns the grant id's text once saved."""
        rows = self.selected_rows()
        if len(rows) != 1 or rows[0].state not in GRANT_STATES:
            return None
        row = rows[0]
        grants = self.context.database.read(followup_details, row.id).grant_lines()
        dialog = SubsidyDialog(self.context, row.id, row.name, grants, self)
        self.dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.grant_id is None:
            return None
        self.result.setPlainText(f"{row.name}：补贴发放已登记。")
        return str(dialog.grant_id)
