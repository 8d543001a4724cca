"""账号管理 (管理员): the accounts with role, village and state; new account, 停用, 重置密码, 解锁.

The same use cases as ``user add | disable | password | unlock``; the services check the role again.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.accounts import ROLE_LABELS, Role, password_problem
from fupin_desktop.services import accounts
from fupin_desktop.services.accounts import AccountRow
from fupin_desktop.services.regions import region_nodes
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.forms import ERROR_STYLE
from fupin_desktop.ui.operations import Operation
from fupin_desktop.ui.roster_models import Column, ListTableModel, local_time


def _state(row: AccountRow) -> str:
    if row.disabled:
        return "已停用"
    if row.locked_until is not None:
        return f"锁定至{local_time(row.locked_until)}"
    return "正常" if row.can_sign_in else "未设密码"


def account_columns() -> list[Column[AccountRow]]:
    return [
        Column("账号", lambda r: r.name, 110),
        Column("姓名", lambda r: r.display_name, 100),
        Column("角色", lambda r: r.role_label, 120),
        Column("所属村", lambda r: r.region_name, 110),
        Column("电话", lambda r: r.phone, 120),
        Column("状态", _state, 140),
    ]


class NewAccountDialog(QDialog):
    """新建账号: name, 姓名, role, the village of a 村级录入员, phone and the first password (twice)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("新建账号")
        self.setMinimumWidth(440)  # the 账号 field's hint whole, and a village's name with its 12-digit code
        self.name = QLineEdit()
        self.display_name = QLineEdit()
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(ROLE_LABELS[role], role.value)
        self.village = QComboBox()
        for node in context.database.read(region_nodes):
            if node.level == "village" and node.code:
                self.village.addItem(f"{node.name}（{node.code}）", node.code)
        self.phone = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.name.setPlaceholderText("登录用，如 wangzhuang；不能重复")
        self.display_name.setPlaceholderText("印在表上的姓名")
        self.form = form = QFormLayout()
        form.addRow("账号(&N)：", self.name)
        form.addRow("姓名(&M)：", self.display_name)
        form.addRow("角色(&R)：", self.role)
        form.addRow("所属村(&V)：", self.village)
        form.addRow("电话(&T)：", self.phone)
        form.addRow("密码(&P)：", self.password)
        form.addRow("再输一次(&A)：", self.again)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        save = QPushButton("新建")
        cancel = QPushButton("取消")
        save.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(save)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.role.currentIndexChanged.connect(self._role_changed)
        self._role_changed()

    def _role_changed(self) -> None:
        """所属村 only for a 村级录入员: for the other roles the row is not there, rather than showing a village
        greyed out that the account does not belong to."""
        village_clerk = self.chosen_role() is Role.VILLAGE_CLERK
        self.village.setEnabled(village_clerk)
        self.form.setRowVisible(self.village, village_clerk)
        self.adjustSize()

    def chosen_role(self) -> Role:
        return Role(self.role.currentData())

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)

    def save(self) -> None:
        if self.password.text() != self.again.text():
            self._say("两次输入的密码不一样。")
            return
        role = self.chosen_role()
        work = partial(
            accounts.create_account,
            self.context.database,
            actor=self.context.actor,
            name=self.name.text(),
            role=role,
            password=self.password.text(),
            display_name=self.display_name.text(),
            phone=self.phone.text(),
            region_code=self.village.currentData() if role is Role.VILLAGE_CLERK else None,
        )
        operation = Operation(self, self.context, work, changes="account")
        operation.refused(lambda error: self._say(str(error)))
        operation.success(lambda _row: self.accept()).run()


class ResetPasswordDialog(QDialog):
    """重置密码: the new password twice (a typo here would lock the person out until the next reset), and
    what to tell them; the password rule is checked here as the service checks it."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("重置密码")
        self.setMinimumWidth(380)
        intro = QLabel(f"为账号“{name}”设新密码，并解除锁定。请当面告诉本人，由本人登录后继续使用。")
        intro.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("新密码(&P)：", self.password)
        form.addRow("再输一次(&A)：", self.again)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.ok_button = QPushButton("重置")
        cancel = QPushButton("取消")
        self.ok_button.clicked.connect(self.check)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def check(self) -> None:
        problem = password_problem(self.password.text()) or (
            "两次输入的密码不一样。" if self.password.text() != self.again.text() else None
        )
        if problem is not None:
            self.message.setText(problem)
            self.message.setVisible(True)
            self.again.clear()
            (self.password if password_problem(self.password.text()) else self.again).setFocus()
            return
        self.accept()


class AccountsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("账号管理")
        self.resize(760, 420)
        self.model: ListTableModel[AccountRow] = ListTableModel(account_columns(), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        for column, spec in enumerate(self.model.columns):
            self.table.setColumnWidth(column, spec.width)
        self.table.horizontalHeader().setSectionResizeMode(len(self.model.columns) - 1, QHeaderView.ResizeMode.Stretch)
        note = QLabel("账号不能删除，只能停用：审计记录永远写明是谁办的。连续5次密码错误锁定15分钟，管理员可提前解锁。")
        note.setWordWrap(True)
        self.status = QLabel()
        self.new_button = QPushButton("新建账号…")
        self.disable_button = QPushButton("停用")
        self.reset_button = QPushButton("重置密码…")
        self.unlock_button = QPushButton("解锁")
        close = QPushButton("关闭")
        self.new_button.clicked.connect(self.new_account)
        self.disable_button.clicked.connect(self.disable)
        self.reset_button.clicked.connect(self.reset_password)
        self.unlock_button.clicked.connect(self.unlock)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.disable_button, self.reset_button, self.unlock_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.new_dialog: NewAccountDialog | None = None
        self.reset_dialog: ResetPasswordDialog | None = None
        self.refresh()

    def refresh(self) -> None:
        self.model.set_rows(accounts.list_accounts(self.context.database))
        self._update_buttons()

    def selected(self) -> AccountRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        row = self.selected()
        for button in (self.disable_button, self.reset_button):
            button.setEnabled(row is not None and not row.disabled)
        self.unlock_button.setEnabled(row is not None and not row.disabled and row.locked_until is not None)

    def _run(self, work: partial[object], done: str) -> None:
        operation = Operation(self, self.context, work, changes="account")
        operation.refused(lambda error: messages.show_error(self, error, "未办理"))
        operation.success(lambda _result: self._done(done)).run()

    def _done(self, text: str) -> None:
        self.refresh()
        self.status.setText(text)

    def new_account(self) -> None:
        dialog = NewAccountDialog(self.context, self)
        self.new_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._done(f"已新建账号“{dialog.name.text().strip()}”。")

    def disable(self) -> None:
        row = self.selected()
        if row is None or not messages.confirm(
            self, "停用账号", f"停用账号“{row.name}”？停用后不能再登录。", "停用", "取消"
        ):
            return
        work = partial(accounts.disable_account, self.context.database, actor=self.context.actor, name=row.name)
        self._run(work, f"已停用账号“{row.name}”。")

    def reset_password(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = ResetPasswordDialog(row.name, self)
        self.reset_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        password = dialog.password.text()
        work = partial(
            accounts.reset_password, self.context.database, actor=self.context.actor, name=row.name, password=password
        )
        self._run(work, f"已重置账号“{row.name}”的密码，并解除锁定。")

    def unlock(self) -> None:
        row = self.selected()
        if row is None:
            return
        work = partial(accounts.unlock_account, self.context.database, actor=self.context.actor, name=row.name)
        self._run(work, f"已解锁账号“{row.name}”。")
