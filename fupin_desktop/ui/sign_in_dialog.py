"""登录: the account and its password, checked by the accounts service (which counts wrong passwords)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from fupin_desktop.domain.accounts import Actor
from fupin_desktop.services.accounts import sign_in
from fupin_desktop.store.db import Database
from fupin_desktop.ui.messages import EXPECTED_ERRORS, describe


class SignInDialog(QDialog):
    """Accepted once an account signed in; :attr:`actor` is then that account."""

    def __init__(
        self,
        database: Database,
        parent: QWidget | None = None,
        *,
        name: str = "",
        switching: bool = False,
        locked: bool = False,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.actor: Actor | None = None
        self.setWindowTitle("切换用户" if switching else "已锁定" if locked else "登录")
        self.setMinimumWidth(340)
        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText("账号名")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #a33;")
        self.message.setWordWrap(True)
        self.message.hide()
        form = QFormLayout()
        form.addRow("账号(&U)：", self.name_edit)
        form.addRow("密码(&P)：", self.password_edit)
        buttons = QDialogButtonBox()
        self.sign_in_button = buttons.addButton("登录", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消" if switching else "退出", QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_in_button.setDefault(True)
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if locked:
            intro = "长时间未操作，程序已锁定：请重新登录（本人或其他账号）。"
        else:
            intro = "请以其他账号登录。" if switching else "本数据库已启用账号，请登录。"
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password_edit if name else self.name_edit).setFocus()

    def try_sign_in(self) -> None:
        try:
            self.actor = sign_in(self.database, name=self.name_edit.text(), password=self.password_edit.text())
        except EXPECTED_ERRORS as error:
            self.message.setText(describe(error))
            self.message.show()
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()
