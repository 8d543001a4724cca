"""The 数据交换 page: packages out and in, and what they leave for a person to decide.

Export for a site (encrypted when its key is known) or a full package; import always previews first
(a dry run: what would be added, changed, kept as a question) and applies only when confirmed; the
open questions side by side — base, this site, the other site, who and when on each side — with
采用本站 / 采用对方 / 合并为同一人 / 接受 / 不接受; and the packages sent and received per site.
Everything goes through the services (``services/packages.py``, ``services/package_decisions.py``,
``services/sites.py``); export and import run off the UI thread.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.accounts import roles_phrase
from fupin_desktop.domain.ownership import owner_label
from fupin_desktop.domain.permissions import PERMISSIONS, Capability
from fupin_desktop.services.package_decisions import (
    DECISION_LABELS,
    ENTITY_LABELS,
    Decided,
    IssueView,
    NumberCorrection,
    Requested,
    decide_issue,
    decision_label,
    list_issues,
)
from fupin_desktop.services.packages import (
    KIND_LABELS,
    PackageExported,
    PackageImported,
    export_package,
    new_laptop_advice,
)
from fupin_desktop.services.packages import import_package as run_import
from fupin_desktop.services.sites import PackageEvent, SiteInfo, exchange_history, list_sites
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.folders import open_folder, save_folder
from fupin_desktop.ui.number_dialog import NumberCorrectionDialog
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.request_dialog import RequestChangeDialog
from fupin_desktop.ui.roster_models import RECORD_ROLE, Column, ListTableModel, local_time

DECISION_ORDER = ("ours", "theirs", "merge", "apart", "accept", "reject", "dismiss")


def _when(moment: datetime | None) -> str:
    return local_time(moment) if moment is not None else "—"


def _one_line(text: str) -> str:
    """A side-by-side value (a household's fields and members, one a line) in one table cell."""
    return "；".join(part.strip("　 ") for part in text.splitlines() if part.strip()).replace("：；", "：")


def issue_columns() -> list[Column[IssueView]]:
    return [
        Column("类型", lambda i: i.kind_label, 80),
        Column("记录", lambda i: f"{i.entity_label} {i.record}", 290),  # a member with the 16-digit 户编号, whole
        Column("字段", lambda i: i.field_label, 90),
        Column("本站", lambda i: _one_line(i.ours), 120),
        Column("对方", lambda i: _one_line(i.theirs), 120),
        Column("对方站点", lambda i: i.their_site, 120),
        Column(
            "对方时间（对方时钟）",
            lambda i: _when(i.their_at) + ("（晚于本站时钟）" if i.their_clock_ahead else ""),
            150,
        ),
    ]


def history_columns() -> list[Column[PackageEvent]]:
    return [
        Column("时间", lambda e: _when(e.at), 130),
        Column("方向", lambda e: e.direction, 64),
        Column("站点", lambda e: e.site, 160),
        Column("内容", lambda e: e.summary, 360),
        Column("操作员", lambda e: e.account, 80),
    ]


def site_columns() -> list[Column[SiteInfo]]:
    return [
        Column("站点", lambda s: s.name + ("（本站）" if s.own else ""), 180),
        Column("类型", lambda s: owner_label(s.kind), 100),
        Column("负责区划", lambda s: s.region_name or "—", 100),
        Column("已套用到", lambda s: f"第 {s.last_seq} 号", 90),
        Column(
            "发给它的数据包",
            lambda s: "—" if s.own else "加密" if s.can_encrypt else "不加密（未登记其密钥）",
            120,
        ),
    ]


def _usual_receiver(sites: list[SiteInfo]) -> str | None:
    """Where this site's packages usually go: a laptop's to its station, a county's to its township when it
    knows one only; a station's, or a county's with several townships, has none (then the full package,
    for a new laptop, is offered first)."""
    own = next((site for site in sites if site.own), None)
    others = [site for site in sites if not site.own]
    if own is None:
        return None
    parent = next((site for site in others if site.id == own.parent_id), None)
    if parent is not None:
        return parent.name
    stations = [site for site in others if site.kind == "station"]
    return stations[0].name if own.kind == "county" and len(stations) == 1 else None


class ExchangePage(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.folder = save_folder()
        self.pending_import: Path | None = None  # previewed, waiting for 确认导入
        self.last_preview: PackageImported | None = None

        self.own_label = QLabel()
        self.own_label.setWordWrap(True)
        self.receiver = QComboBox()
        self.receiver.setMinimumWidth(240)
        self.receiver_picked = False  # until the clerk picks one, the usual receiver is offered (``_usual_receiver``)
        self.receiver.activated.connect(lambda _index: setattr(self, "receiver_picked", True))
        self.export_button = QPushButton("导出数据包…")
        self.export_button.clicked.connect(self.choose_and_export)
        self.import_button = QPushButton("导入数据包…")
        self.import_button.clicked.connect(self.choose_and_preview)
        self.confirm_button = QPushButton("确认导入")
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self.confirm_import)
        self.cancel_button = QPushButton("放弃")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_import)
        self.request_button = QPushButton("申请更正…")
        self.request_button.setToolTip("请所属人社所更正某人的一项记录（本站记录不变，对方决定后随数据包传回）")
        self.request_button.clicked.connect(self.ask_for_change)
        context.guard(self.request_button, Capability.DECIDE_EXCHANGE)
        self.request_holder = QWidget()  # shown only at a county: every other site changes its own records
        holder = QHBoxLayout(self.request_holder)
        holder.setContentsMargins(0, 0, 0, 0)
        holder.addWidget(self.request_button)
        self.request_holder.setVisible(False)
        context.guard(self.export_button, Capability.EXPORT_PACKAGE)
        for button in (self.import_button, self.confirm_button, self.cancel_button):
            context.guard(button, Capability.IMPORT_PACKAGE)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self._say_what_import_does()
        context.account_changed.connect(self._say_what_import_does)
        self.status = QLabel()
        self.status.setWordWrap(True)

        exchange_box = QGroupBox("导出与导入")
        row = QHBoxLayout()
        row.addWidget(QLabel("发给："))
        row.addWidget(self.receiver)
        row.addWidget(self.export_button)
        row.addSpacing(24)
        row.addWidget(self.import_button)
        row.addWidget(self.confirm_button)
        row.addWidget(self.cancel_button)
        row.addSpacing(24)
        row.addWidget(self.request_holder)
        row.addStretch(1)
        box_layout = QVBoxLayout(exchange_box)
        box_layout.addWidget(self.own_label)
        box_layout.addLayout(row)
        box_layout.addWidget(self.preview)

        self.issues = ListTableModel(issue_columns(), self)
        self.issue_table = self._table(self.issues)
        self.issue_table.selectionModel().selectionChanged.connect(self.show_selected)
        self.detail = _SideBySide()
        self.decision_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        for code in DECISION_ORDER:
            button = QPushButton(DECISION_LABELS[code])
            button.clicked.connect(partial(self.decide, code))
            button.setEnabled(False)
            context.guard(button, Capability.DECIDE_EXCHANGE)
            self.decision_buttons[code] = button
            buttons.addWidget(button)
        buttons.addStretch(1)
        issue_side = QWidget()
        side_layout = QVBoxLayout(issue_side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.detail)
        side_layout.addLayout(buttons)
        issue_split = QSplitter()
        issue_split.addWidget(self.issue_table)
        issue_split.addWidget(issue_side)
        issue_split.setSizes([760, 560])

        self.history = ListTableModel(history_columns(), self)
        self.sites = ListTableModel(site_columns(), self)
        self.tabs = QTabWidget()
        self.tabs.addTab(issue_split, "待处理")
        self.history_table = self._table(self.history)
        self.site_table = self._table(self.sites)
        self.tabs.addTab(self.history_table, "往来记录")
        self.tabs.addTab(self.site_table, "站点")

        layout = QVBoxLayout(self)
        layout.addWidget(exchange_box)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        context.data_changed.connect(lambda _kind: self.refresh())
        self.refresh()

    def _say_what_import_does(self) -> None:
        """The line under the buttons: how an import goes, or, to an account that may not import (the
        管理员), who does it — never a hint about a button that is not there."""
        if self.pending_import is not None:
            return
        if self.context.may_do(Capability.IMPORT_PACKAGE):
            self.preview.setText("先预览：导入前会列出将新增、修改和需要人工处理的内容，确认后才写入。")
        else:
            who = roles_phrase(PERMISSIONS[Capability.IMPORT_PACKAGE].roles)
            advice = self.context.database.read(new_laptop_advice, self.context.actor)
            self.preview.setText(
                f"本账号只能导出数据包；导入数据包、处理待处理事项由{who}的账号办理。{advice or ''}"
            )

    @staticmethod
    def _table(model: ListTableModel) -> QTableView:  # type: ignore[type-arg]
        table = QTableView()
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().hide()
        table.setWordWrap(False)
        for index, column in enumerate(model.columns):
            table.setColumnWidth(index, column.width)
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        return table

    @staticmethod
    def _fit_columns(table: QTableView) -> None:
        """Columns as wide as their longest text (a station's full name with “（本站）”), never narrower
        than set and at most 420 px; the last one still takes the rest of the width."""
        model = table.model()
        assert isinstance(model, ListTableModel)
        last = len(model.columns) - 1
        for index, column in enumerate(model.columns[:last]):
            table.resizeColumnToContents(index)
            table.setColumnWidth(index, min(max(table.columnWidth(index), column.width), 420))

    # --- reading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        database = self.context.database
        sites = list_sites(database)
        own = next((s for s in sites if s.own), None)
        if own is not None:
            area = f"，负责{own.region_name}" if own.region_name else ""
            self.own_label.setText(
                f"本站：{own.name}（{owner_label(own.kind)}{area}），本站变更已编到第 {own.last_seq} 号。"
                "时间以各站时钟显示，仅供参考；顺序只看变更号。"
            )
        self.request_holder.setVisible(own is not None and own.kind == "county")
        current = self.receiver.currentData()
        self.receiver.clear()
        self.receiver.addItem("完整数据包（新笔记本用）", None)
        for site in sites:
            if not site.own:
                mark = "，加密" if site.can_encrypt else ""
                self.receiver.addItem(f"{site.name}（{owner_label(site.kind)}{mark}）", site.name)
        if not self.receiver_picked:
            current = _usual_receiver(sites)
        self.receiver.setCurrentIndex(max(self.receiver.findData(current), 0))
        self.sites.set_rows(sites)
        self.history.set_rows(exchange_history(database))
        for table in (self.site_table, self.history_table):
            self._fit_columns(table)
        selected = self.selected_issue()
        issues = list_issues(database)
        self.issues.set_rows(issues)
        decidable = sum(1 for i in issues if i.choices)
        self.tabs.setTabText(0, f"待处理（{decidable}/{len(issues)}）" if issues else "待处理")
        if selected is not None:
            for row, issue in enumerate(issues):
                if issue.id == selected.id:
                    self.issue_table.selectRow(row)
        self.detail.nothing_pending = not issues
        self.show_selected()

    def selected_issue(self) -> IssueView | None:
        rows = self.issue_table.selectionModel().selectedRows()
        if not rows:
            return None
        found: IssueView = rows[0].data(RECORD_ROLE)
        return found

    def show_selected(self) -> None:
        issue = self.selected_issue()
        self.detail.show_issue(issue)
        entity = issue.entity if issue is not None else ""
        for code in ("merge", "apart"):  # 合并为同一户 / 同一人, 不是同一户 / 同一人
            self.decision_buttons[code].setText(decision_label(code, entity))
        for code, button in self.decision_buttons.items():
            button.setEnabled(issue is not None and code in issue.choices)

    # --- export --------------------------------------------------------------------------------------

    def export_path(self, suggested: Path) -> Path | None:
        """Where to write the package (a file dialog; tests replace it)."""
        chosen, _ = QFileDialog.getSaveFileName(self, "导出数据包", str(suggested), "数据包 (*.fupinpkg)")
        return Path(chosen) if chosen else None

    def choose_and_export(self) -> None:
        to = self.receiver.currentData()
        suggested = self.folder / f"{'完整数据包' if to is None else to}.fupinpkg"
        path = self.export_path(suggested)
        if path is not None:
            self.export_to(path, to)

    def export_to(self, path: Path, to: str | None) -> None:
        database, actor = self.context.database, self.context.actor

        def done(result: PackageExported) -> None:
            what = f"发往“{result.receiver}”" if result.receiver else "完整数据包"
            sealed = "，已加密" if result.encrypted else "，未加密（对方密钥未知）" if result.receiver else ""
            self.status.setText(f"已导出{what}：{result.changes}条变更{sealed}，{result.path}")
            self.refresh()

        operation = Operation[PackageExported](
            self, self.context, lambda: export_package(database, actor=actor, out=path, to=to), changes="package"
        )
        operation.success(done).run_in_background("正在导出数据包")

    # --- 更正申请 (a county asks a township) ------------------------------------------------------------

    def open_request_dialog(self) -> RequestChangeDialog:
        """The dialog, made and returned before it is shown (tests drive it)."""
        return RequestChangeDialog(self.context, self)

    def ask_for_change(self) -> None:
        dialog = self.open_request_dialog()
        if dialog.exec() and dialog.requested is not None:
            self.said_requested(dialog.requested)

    def said_requested(self, asked: Requested) -> None:
        self.tabs.setCurrentWidget(self.history_table)  # the request, at the top of 往来记录
        self.status.setText(
            f"已申请更正（{asked.before} → {asked.after}）：本站记录未改，申请随下一个发给其所属人社所的数据包送出，"
            "对方决定后随其数据包传回。"
        )

    # --- import: preview, then confirm -----------------------------------------------------------------

    def import_path(self) -> Path | None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "导入数据包", str(open_folder()), "数据包 (*.fupinpkg);;所有文件 (*)"
        )
        return Path(chosen) if chosen else None

    def choose_and_preview(self) -> None:
        path = self.import_path()
        if path is not None:
            self.preview_import(path)

    def preview_import(self, path: Path) -> None:
        database, actor = self.context.database, self.context.actor

        def done(result: PackageImported) -> None:
            self.pending_import, self.last_preview = path, result
            self.preview.setText(f"预览“{path.name}”：{describe(result)}　确认后才写入。")
            self.confirm_button.setEnabled(result.applied > 0)
            self.cancel_button.setEnabled(True)

        def failed(_error: BaseException) -> None:
            self.cancel_import()

        operation = Operation[PackageImported](
            self, self.context, lambda: run_import(database, actor=actor, path=path, dry_run=True)
        )
        operation.success(done).failure(failed).run_in_background("正在核验数据包")

    def confirm_import(self) -> None:
        path = self.pending_import
        if path is None:
            return
        database, actor = self.context.database, self.context.actor

        def done(result: PackageImported) -> None:
            self.cancel_import()
            self.status.setText(f"已导入“{path.name}”：{describe(result)}")
            waiting = sum(n for kind, n in result.issues.items() if kind != "elsewhere")
            if waiting:
                self.tabs.setCurrentIndex(0)

        operation = Operation[PackageImported](
            self, self.context, lambda: run_import(database, actor=actor, path=path), changes="package"
        )
        operation.success(done).failure(lambda _e: self.cancel_import()).run_in_background("正在导入数据包")

    def cancel_import(self) -> None:
        self.pending_import = None
        self.confirm_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self._say_what_import_does()

    # --- decisions -----------------------------------------------------------------------------------

    def confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, "处理待处理事项", text)
        return answer == QMessageBox.StandardButton.Yes

    def ask_correction(self, issue: IssueView) -> NumberCorrection | None:
        """不是同一人 with one 身份证号 on both: whose number is wrong, and the right one (None: not now)."""
        self.correction_dialog = NumberCorrectionDialog(issue, self)
        accepted = self.correction_dialog.exec() == QDialog.DialogCode.Accepted
        return self.correction_dialog.correction() if accepted else None

    def decide(self, code: str) -> None:
        issue = self.selected_issue()
        if issue is None or code not in issue.choices:
            return
        household = issue.entity == "household"
        correction: NumberCorrection | None = None
        if code == "apart" and issue.shared_number:
            correction = self.ask_correction(issue)
            if correction is None:
                return
        if code == "merge" and not self.confirm(
            f"把对方的“{issue.record}”与本站的{decision_label('merge', issue.entity)}？"
            + ("对方的成员并入本站这一户，" if household else "")
            + "对方的空缺字段取本站的值。"
        ):
            return
        if (
            code == "apart"
            and correction is None
            and not self.confirm(
                f"对方的“{issue.record}”与本站那一户不是同一户：两户都保留，各自的成员不变。"
                + (
                    "两户户编号相同，对方这一户将改用本村下一个户编号，并随数据包传到各站。"
                    if issue.reason == "household_no"
                    else ""
                )
            )
        ):
            return
        database, actor = self.context.database, self.context.actor

        def done(result: Decided) -> None:
            self.status.setText(f"已{decision_label(result.decision, issue.entity)}：{issue.kind_label} {issue.record}")

        Operation[Decided](
            self, self.context,
            lambda: decide_issue(database, actor=actor, issue_id=issue.id, decision=code, correction=correction),
            changes="package",
        ).success(done).run()  # fmt: skip


def describe(result: PackageImported) -> str:
    """What an import did (or, previewed, would do), in words."""
    verb = "将套用" if result.dry_run else "已套用"
    parts = [f"来自“{result.sender}”，{verb}{result.applied}条变更，{result.already_had}条本站已有"]
    if result.by_entity:
        parts.append("、".join(f"{ENTITY_LABELS.get(k, k)}{n}条" for k, n in sorted(result.by_entity.items())))
    for kind, count in sorted(result.issues.items()):
        parts.append(f"{KIND_LABELS.get(kind, kind)}{count}条")
    if result.future_times:
        parts.append(f"{result.future_times}条变更时间晚于本站时钟（对方时钟可能不准）")
    parts.append(f"对方导出时间（对方时钟）{result.sender_clock[:16].replace('T', ' ')}")
    return "；".join(parts) + "。"


NOTHING_PENDING = "没有待处理事项。导入数据包后，双方改了同一项、疑似重复的人和对方的修改提议会列在左侧，由您逐条决定。"


DUPLICATE_HINTS = {
    "id_number": "同一身份证号在两处各登记了一次：合并为同一人后，对方的记录并入本站的这一条；"
    "若不是同一人，须更正号码有误一方的身份证号。",
    "household_no": "同一村里两处各登记了同一户编号的一户：若是同一户，合并后对方的成员并入本站这一户；"
    "若不是同一户，两户都保留，对方这一户改用本村下一个户编号。",
    "head": "两户的户主是同一身份证号（户编号不同）：若是同一户，合并后对方的成员并入本站这一户；"
    "若不是同一户，两户都保留，并须更正号码有误的那位户主的身份证号（一个身份证号只属于一个人）。",
    "region": "同一区划代码或同一上级下的同名区划在两处各添加了一次：合并后对方的农户归入本站的这一条。",
}


class _SideBySide(QFrame):
    """One question, three columns: 原值 (what both started from), 本站, 对方 — and who and when on each side."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self)
        self.nothing_pending = True
        self.title = QLabel(NOTHING_PENDING)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.title, 0, 0, 1, 3)
        self.values: dict[str, QLabel] = {}
        self.boxes: dict[str, QScrollArea] = {}
        self.who: dict[str, QLabel] = {}
        for column, (key, heading) in enumerate((("base", "原值"), ("ours", "本站"), ("theirs", "对方"))):
            head = QLabel(heading)
            head.setStyleSheet("color: #555;")
            grid.addWidget(head, 1, column)
            value = QLabel()
            value.setWordWrap(True)
            value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setStyleSheet("font-size: 15px; padding: 6px; background: #f6f6f2;")
            box = QScrollArea()  # a household's long member list scrolls instead of being cut off
            box.setWidget(value)
            box.setWidgetResizable(True)
            box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            box.setMinimumHeight(90)
            box.setStyleSheet("QScrollArea { border: 1px solid #ddd; background: #f6f6f2; }")
            grid.addWidget(box, 2, column)
            self.boxes[key] = box
            who = QLabel()
            who.setWordWrap(True)
            who.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            who.setMinimumHeight(48)
            who.setStyleSheet("color: #555;")
            grid.addWidget(who, 3, column)
            self.values[key], self.who[key] = value, who
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #a33;")
        self.note.setMinimumHeight(3 * self.note.fontMetrics().lineSpacing())  # a hint of two or three lines, whole
        grid.addWidget(self.note, 4, 0, 1, 3)
        grid.setRowStretch(2, 1)
        for column in range(3):
            grid.setColumnStretch(column, 1)

    def show_issue(self, issue: IssueView | None) -> None:
        if issue is None:
            self.title.setText(NOTHING_PENDING if self.nothing_pending else "选择左侧一条待处理事项。")
            for label in (*self.values.values(), *self.who.values()):
                label.setText("")
            self.note.setText("")
            return
        self.title.setText(f"{issue.kind_label}：{issue.entity_label} {issue.record} · {issue.field_label}")
        self.values["base"].setText(issue.base)
        self.values["ours"].setText(issue.ours)
        self.values["theirs"].setText(issue.theirs)
        self.who["base"].setText("双方改动之前")
        self.who["ours"].setText(f"本站 {issue.our_account}\n{_when(issue.our_at)}（本站时钟）")
        ahead = "\n晚于本站时钟：对方时钟可能不准" if issue.their_clock_ahead else ""
        self.who["theirs"].setText(
            f"{issue.their_site} {issue.their_account}\n{_when(issue.their_at)}（对方时钟）{ahead}"
        )
        hints = {
            "duplicate": DUPLICATE_HINTS.get(issue.reason, DUPLICATE_HINTS["id_number"]),
            "proposal": "对方无权直接修改这条记录（不归其所有）：由本站决定是否接受。",
            "correction": "这条记录已封存：数据包不会改动它。",
            "conflict": "双方改了同一项：程序不替您决定。",
        }
        self.note.setText(issue.note or hints.get(issue.kind, ""))
