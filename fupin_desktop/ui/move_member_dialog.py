"""移动成员: move one member to another household (marriage, 分户), found by searching, never by
scrolling a list of every household; confirmed, and recorded in the audit by the service."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import relocate_person
from fupin_desktop.services.results import Saved
from fupin_desktop.services.search import HouseholdFilter, fetch_households
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.forms import ERROR_STYLE, CodeCombo
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.roster_models import Column, ListTableModel

# At most this many matches are shown; more typing narrows them.
MAX_MATCHES = 50
HouseholdMatch = tuple[object, ...]  # (id, household_no, head, members, village, group, …) as search returns


class HouseholdPickModel(ListTableModel[HouseholdMatch]):
    """The households matching the search text (at most ``MAX_MATCHES``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            [
                Column("户编号", lambda r: str(r[1]), 140),
                Column("户主", lambda r: str(r[2] or ""), 80),
                Column("人数", lambda r: str(r[3]), 44),
                Column("村", lambda r: str(r[4]), 90),
                Column("村民小组", lambda r: str(r[5] or ""), 70),
                Column("住址", lambda r: str(r[10] or ""), 160),
            ],
            parent,
        )


class MoveMemberDialog(QDialog):
    """Choose the household to move a member into and the member's relation to its head."""

    def __init__(
        self,
        context: AppContext,
        person_id: uuid.UUID,
        person_name: str,
        source_household: uuid.UUID,
        source_title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.person_id = person_id
        self.person_name = person_name
        self.source_household = source_household
        self.moved_to: uuid.UUID | None = None
        self.warnings: list[str] = []
        self.setWindowTitle(f"移动成员 — {person_name}")

        self.search = QLineEdit()
        self.search.setPlaceholderText("查找目标户：户主姓名、拼音首字母、身份证号、扶贫卡编号、户编号或电话")
        self.search.setClearButtonEnabled(True)
        self.matches = HouseholdPickModel(self)
        self.table = QTableView()
        self.table.setModel(self.matches)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        for number, column in enumerate(self.matches.columns):
            self.table.setColumnWidth(number, column.width)
        self.table.horizontalHeader().setSectionResizeMode(
            len(self.matches.columns) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.setMinimumHeight(200)
        self.hint = QLabel("请输入至少一个字查找目标户。")
        self.relation = CodeCombo("relation")
        form = QFormLayout()
        form.addRow("在新户中与户主关系：", self.relation)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("移动…")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.move)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        intro = QLabel(f"把 <b>{person_name}</b> 从 {source_title} 移到另一户（如婚嫁、分户）。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(720, 460)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.find)
        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self.find)
        self.table.selectionModel().selectionChanged.connect(self._update)
        self.relation.currentTextChanged.connect(self._update)
        self._update()

    def find(self) -> None:
        self._timer.stop()
        text = self.search.text().strip()
        rows: list[HouseholdMatch] = []
        if text:
            found = self.context.database.read(
                fetch_households, HouseholdFilter(text=text, viewer=self.context.actor), 0, MAX_MATCHES + 1
            )
            rows = [r for r in found if r[0] != self.source_household]
        self.matches.set_rows(rows[:MAX_MATCHES])
        if not text:
            self.hint.setText("请输入至少一个字查找目标户。")
        elif not rows:
            self.hint.setText("没有找到符合的户（本户除外），请换个写法。")
        elif len(rows) > MAX_MATCHES:
            self.hint.setText(f"只列出前{MAX_MATCHES}户，请继续输入以缩小范围。")
        else:
            self.hint.setText(f"找到{len(rows)}户，请选择一户。")
        if len(rows) == 1:
            self.table.selectRow(0)
        self._update()

    def target(self) -> HouseholdMatch | None:
        rows = self.table.selectionModel().selectedRows()
        return self.matches.record(rows[0].row()) if rows else None

    def _update(self) -> None:
        self.message.setVisible(False)
        self.ok_button.setEnabled(self.target() is not None and bool(self.relation.value()))

    def move(self) -> None:
        target = self.target()
        relation = self.relation.value()
        if target is None or not relation:
            return
        target_id = target[0]
        assert isinstance(target_id, uuid.UUID)
        where = f"{target[4]} {target[1]}（户主：{target[2] or '未登记'}）"
        question = f"把{self.person_name}移到{where}，与户主关系为“{relation}”？\n\n移动会记入修改记录。"
        if not messages.confirm(self, "移动成员", question, "移动", "不移动"):
            return
        database, actor = self.context.database, self.context.actor

        def work() -> Saved:
            return relocate_person(
                database, actor=actor, person_id=self.person_id, target_household_id=target_id, relation=relation
            )

        def moved(saved: Saved) -> None:
            self.moved_to = target_id
            self.warnings = [p.message for p in saved.warnings]
            self.accept()

        Operation(self, self.context, work, changes="household").refused(self._show_refusal).success(moved).run()

    def _show_refusal(self, error: ServiceError) -> None:
        self.message.setText(messages.describe(error))
        self.message.setVisible(True)
