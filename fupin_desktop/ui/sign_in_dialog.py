"""登录: the account and its password, checked by the accounts service (which counts wrong passwords).

An encrypted file is opened by the sign-in itself: the dialog has no database yet, only an ``opener`` that
unwraps the account's key slot with the password and opens the file; a wrong password opens nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from fupin_desktop.domain.accounts import Actor
from fupin_desktop.services.accounts import sign_in
from fupin_desktop.services.errors import SignInRefused
from fupin_desktop.store.db import Database
from fupin_desktop.store.errors import KeyRefused
from fupin_desktop.ui.messages import EXPECTED_ERRORS, describe

Opener = Callable[[str, str], Database]
"""Opens an encrypted file with an account's name and password (raises KeyRefused for a wrong one)."""


class SignInDialog(QDialog):
    """Accepted once an account signed in; :attr:`actor` is then that account (and :attr:`database` the
    file it opened, for an encrypted one)."""

    def __init__(
        self,
        database: Database | None,
        parent: QWidget | None = None,
        *,
        name: str = "",
        switching: bool = False,
        locked: bool = False,
        by_hand: bool = False,
        opener: Opener | None = None,
        encrypted_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.opener = opener
        self.encrypted_path = encrypted_path
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
        self.recovery_button = None
        if opener is not None and encrypted_path is not None:
            self.recovery_button = buttons.addButton("用恢复码打开…", QDialogButtonBox.ButtonRole.ActionRole)
            self.recovery_button.clicked.connect(self.recover)
            self.setMinimumWidth(400)  # three buttons side by side, none squeezed
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if locked:
            intro = f"{'' if by_hand else '长时间未操作，程序'}已锁定：请重新登录（本人或其他账号）。"
        elif opener is not None:
            intro = "本数据库已加密：请以账号登录，才能打开它。"
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
        name, password = self.name_edit.text(), self.password_edit.text()
        try:
            if self.database is None:
                assert self.opener is not None
                self.database = self.opener(name.strip(), password)
            self.actor = sign_in(self.database, name=name, password=password)
        except EXPECTED_ERRORS as error:
            text = describe(error)
            if self.recovery_button is not None and isinstance(error, (SignInRefused, KeyRefused)) and "不正确" in text:
                text += "忘了密码请管理员重置；管理员也忘了，用站长保管的恢复码打开。"
            self.message.setText(text)
            self.message.show()
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()

    def recover(self) -> None:
        """用恢复码打开: the 管理员 gets a new password with the code; then the sign-in goes on with it."""
        from fupin_desktop.ui.encryption_dialogs import RecoverWithCodeDialog

        assert self.encrypted_path is not None
        dialog = RecoverWithCodeDialog(self.encrypted_path, self)
        if dialog.exec() != RecoverWithCodeDialog.DialogCode.Accepted:
            return
        self.name_edit.setText(dialog.name)
        self.password_edit.setText(dialog.password)
        self.try_sign_in()
