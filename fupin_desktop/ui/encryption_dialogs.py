"""加密 in the window: the recovery code shown once (and its confirmation recorded), opening with the recovery
code, the new station's first 管理员 (a new file is encrypted for it), the conversion of a plain file
(设置 → 加密数据库…) and 重新生成恢复码 (设置 → 重新生成恢复码…, or the reminder over the pages)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.accounts import password_problem
from fupin_desktop.services.accounts import sign_in
from fupin_desktop.services.encryption import UNCONFIRMED, confirm_recovery_code, recover_with_code
from fupin_desktop.store.db import Database
from fupin_desktop.ui.messages import EXPECTED_ERRORS, describe


def _message_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #a33;")
    label.setWordWrap(True)
    label.hide()
    return label


def _lay_out(
    dialog: QDialog,
    intro: str,
    form: QFormLayout,
    message: QLabel,
    ok_text: str,
    cancel_text: str,
    on_ok: Callable[[], None],
) -> QPushButton:
    """The intro, the form, the red message line and the two buttons, top to bottom; returns the OK button."""
    text = QLabel(intro)
    text.setWordWrap(True)
    # The wrapped text's height measured at the dialog's own width (else Qt reserves the height of a
    # narrower label and leaves a gap under it).
    text.setMinimumWidth(dialog.minimumWidth() - 24)
    buttons = QDialogButtonBox()
    ok_button = buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(cancel_text, QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text)
    layout.addSpacing(6)
    layout.addLayout(form)
    layout.addWidget(message)
    layout.addWidget(buttons)
    return ok_button


class RecoveryReminder(QFrame):
    """Over the pages, on every open of a file whose recovery code was never confirmed: what that means
    and, for a 管理员, the button that makes a new one (the window guards it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryReminder")
        self.setStyleSheet("#recoveryReminder { background: #fff4e5; border-bottom: 1px solid #e0a040; }")
        self.text = QLabel(UNCONFIRMED)
        self.text.setWordWrap(True)
        self.button = QPushButton("重新生成恢复码…")
        # the code was shown where nobody could confirm it (a terminal, by `init`) and is on paper already
        self.confirm_button = QPushButton("已抄好，确认…")
        self.confirm_button.setToolTip("照着抄好的纸输入完整的恢复码，确认站长手里有它；不必重新生成")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.confirm_button)
        layout.addWidget(self.button)


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


TICK_FIRST = (
    "请先打印或抄写恢复码，照着抄好的纸输入它的最后一组，勾选“我已打印或抄写恢复码”后点“完成”；关闭后不会再显示。"
)


class RecoveryCodeDialog(QDialog):
    """The recovery code, shown this once: printed or copied by hand, kept by the station head on paper.
    Closing needs its last group typed back from the paper and the tick; then the keyring of ``path``
    records the confirmation (a program killed before it leaves the file reminding on every open). The
    code is never written to a file by the program."""

    def __init__(
        self,
        code: str,
        database_name: str,
        parent: QWidget | None = None,
        *,
        path: Path | None = None,
        new: bool = False,
    ) -> None:
        super().__init__(parent)
        self.code = code
        self.database_name = database_name
        self.path = path
        self.setWindowTitle("新的恢复码" if new else "恢复码")
        self.setMinimumWidth(560)
        state = "已换用新的密钥，旧恢复码已作废。下面是新的" if new else "已加密。下面是它的"
        intro = QLabel(
            f"数据库“{database_name}”{state}<b>恢复码</b>，只显示这一次。<br>"
            "忘记全部密码、或钥匙文件（.keys）丢失时，只有它能打开数据库。请打印或抄写下来，"
            "由站长保管，不要和电脑放在一起；不要拍照、不要存在电脑或U盘上。"
        )
        intro.setWordWrap(True)
        alphabet = QLabel("恢复码里只有字母A～Z和数字2～7：看到的O、I、B、G都是字母（误抄成0、1、8、9也能认出）。")
        alphabet.setStyleSheet("color: #555;")
        self.code_label = QLabel(self._grouped())
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(15)
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setStyleSheet("padding: 10px; border: 1px solid #888; background: #fff;")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.print_button = QPushButton("打印(&P)…")
        self.print_button.clicked.connect(self.print_code)
        self.last_group_edit = QLineEdit()
        self.last_group_edit.setMaxLength(4)
        self.last_group_edit.setPlaceholderText("照着纸上抄好的输入")
        self.last_group_edit.setFixedWidth(self.last_group_edit.fontMetrics().horizontalAdvance("MMMM") * 3)
        self.kept = QCheckBox("我已打印或抄写恢复码，并交站长保管")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("完成")
        self.ok_button.setEnabled(False)
        self.kept.toggled.connect(self._enable)
        self.last_group_edit.textChanged.connect(self._enable)
        self.print_dialog: QDialog | None = None
        self.reminder = _message_label()
        self.reminder.setText(TICK_FIRST)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.confirm)
        typed_back = QFormLayout()
        typed_back.addRow("恢复码的最后一组(&L)：", self.last_group_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.code_label)
        layout.addWidget(alphabet)
        layout.addLayout(typed_back)
        layout.addWidget(self.kept)
        layout.addWidget(self.reminder)
        layout.addWidget(buttons)

    @property
    def typed_back(self) -> bool:
        """The last group, typed from the paper (the misreadings of 0/1/8/9 forgiven, as on opening)."""
        typed = "".join(ch for ch in self.last_group_edit.text().upper() if ch.isalnum())
        return typed.translate(str.maketrans("0189", "OIBG")) == self.code.rsplit("-", 1)[-1]

    def _enable(self) -> None:
        ready = self.kept.isChecked() and self.typed_back
        self.ok_button.setEnabled(ready)
        if ready:
            self.reminder.hide()

    def confirm(self) -> None:
        """完成: the confirmation recorded in the keyring (the reminders stop), then the dialog closes."""
        if not (self.kept.isChecked() and self.typed_back):
            return
        if self.path is not None:
            try:
                confirm_recovery_code(self.path, code=self.code)
            except EXPECTED_ERRORS as error:
                self.reminder.setText(f"未能记下确认：{describe(error)}")
                self.reminder.show()
                return
        self.accept()

    def _grouped(self) -> str:
        groups = self.code.split("-")
        return "\n".join("  ".join(groups[i : i + 5]) for i in range(0, len(groups), 5))

    def reject(self) -> None:
        """Esc or the window's close button does not lose the code: before the tick it says what to do
        (closed with the tick but without 完成, the file keeps reminding that the code is unconfirmed)."""
        if self.kept.isChecked():
            super().reject()
        else:
            self.reminder.setText(TICK_FIRST)
            self.reminder.show()
            self.kept.setFocus()

    def document(self) -> QTextDocument:
        """What is printed: the file's name, the code in large type, what it is for."""
        code = "<br>".join(escape(line) for line in self._grouped().splitlines())
        document = QTextDocument()
        document.setHtml(
            f"<h2>扶贫就业信息采集 · 数据库恢复码</h2><p>数据库：{escape(self.database_name)}</p>"
            f"<p style='font-family: monospace; font-size: 20pt; font-weight: bold'>{code}</p>"
            "<p>用途：忘记全部密码或钥匙文件丢失时打开加密的数据库（登录窗口“用恢复码打开”）。"
            "由站长保管，不要和电脑放在一起。</p><p>保管人：＿＿＿＿＿＿　日期：＿＿＿＿＿＿</p>"
        )
        return document

    def print_code(self) -> None:
        """Paper only: the print dialog offers no 打印到文件 (a PDF of the code on the disk is what the
        station must not have), and a computer without a printer says so rather than offering the file."""
        from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo

        if not QPrinterInfo.availablePrinters():
            self.reminder.setText(
                "本机没有可用的打印机：请把恢复码抄写在纸上（或接好打印机后再点“打印”），"
                "不要截图或存成文件；抄好后勾选下面一项。"
            )
            self.reminder.show()
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
        dialog = QPrintDialog(printer, self)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, False)
        self.print_dialog = dialog
        if (
            dialog.exec() == QPrintDialog.DialogCode.Accepted
            and printer.outputFormat() is QPrinter.OutputFormat.NativeFormat
        ):
            self.document().print_(printer)


class RecoverWithCodeDialog(QDialog):
    """用恢复码打开: the code, the 管理员 account and its new password; the keyring is made again if lost."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.name = ""
        self.password = ""
        self.setWindowTitle("用恢复码打开")
        self.setMinimumWidth(460)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("14组，每组4个字母或数字")
        # The whole code in sight while it is compared with the paper, group by group.
        sample = "-".join(["MMMM"] * 14)
        self.code_edit.setMinimumWidth(self.code_edit.fontMetrics().horizontalAdvance(sample) + 16)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("管理员账号名")
        self.password_edit = _password_edit()
        self.again_edit = _password_edit()
        self.message = _message_label()
        form = QFormLayout()
        form.addRow("恢复码(&C)：", self.code_edit)
        form.addRow("管理员账号(&U)：", self.name_edit)
        form.addRow("新密码(&P)：", self.password_edit)
        form.addRow("再输入一次：", self.again_edit)
        intro = (
            "输入站长保管的恢复码，为一个管理员账号设新密码。钥匙文件丢失时会重建，"
            "其他账号之后须由管理员重置密码才能登录。"
        )
        self.ok_button = _lay_out(self, intro, form, self.message, "设新密码并打开", "取消", self.try_recover)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def try_recover(self) -> None:
        password = self.password_edit.text()
        if password != self.again_edit.text():
            self._say("两次输入的新密码不一致。")
            return
        try:
            result = recover_with_code(
                self.path, code=self.code_edit.text(), name=self.name_edit.text(), new_password=password
            )
        except EXPECTED_ERRORS as error:
            self._say(describe(error))
            return
        self.name, self.password = result.name, password
        self.accept()


class NewStationDialog(QDialog):
    """The first start on a new database: its first 管理员, for whom the new file is encrypted."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle("新建本站数据库")
        self.setMinimumWidth(460)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("例如 admin 或 姓名")
        self.password_edit = _password_edit()
        self.again_edit = _password_edit()
        self.message = _message_label()
        form = QFormLayout()
        form.addRow("管理员账号(&U)：", self.name_edit)
        form.addRow("密码(&P)：", self.password_edit)
        form.addRow("再输入一次：", self.again_edit)
        intro = (
            f"将新建数据库“{path}”。它是<b>加密</b>的：没有账号和密码，任何人都读不出其中的身份证号、电话等信息。"
            "<br>请先设置第一个管理员账号；之后会显示一次恢复码，请打印交站长保管。"
        )
        self.ok_button = _lay_out(self, intro, form, self.message, "新建", "退出", self.check)

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    @property
    def password(self) -> str:
        return self.password_edit.text()

    def check(self) -> None:
        problem = (
            "请填写管理员账号名。"
            if not self.name
            else password_problem(self.password)
            or ("两次输入的密码不一致。" if self.password != self.again_edit.text() else None)
        )
        if problem is not None:
            self.message.setText(problem)
            self.message.show()
            field = (
                self.name_edit
                if not self.name
                else self.password_edit
                if password_problem(self.password)
                else self.again_edit
            )
            field.setFocus()  # where the problem is, selected for typing over
            field.selectAll()
            return
        self.accept()


class _AdminPasswordDialog(QDialog):
    """The signed-in 管理员 confirms a change of the whole file with the password; the window host does it
    (the window closes meanwhile). A missing or wrong password is said here, before the window closes
    (which would only reopen the same file to say so)."""

    def __init__(
        self, account_name: str, title: str, intro: str, ok_text: str, parent: QWidget | None, database: Database | None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.name = account_name
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.password_edit = _password_edit()
        form = QFormLayout()
        form.addRow(f"“{account_name}”的密码(&P)：", self.password_edit)
        self.message = _message_label()
        self.ok_button = _lay_out(self, intro, form, self.message, ok_text, "取消", self.check)

    def check(self) -> None:
        problem: str | None = None
        if not self.password:
            problem = f"请输入“{self.name}”的密码。"
        elif self.database is not None:
            try:
                sign_in(self.database, name=self.name, password=self.password)
            except EXPECTED_ERRORS as error:
                problem = describe(error)
        if problem is not None:
            self.message.setText(problem)
            self.message.show()
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()

    @property
    def password(self) -> str:
        return self.password_edit.text()


class EncryptDialog(_AdminPasswordDialog):
    """设置 → 加密数据库…: the plain file converted."""

    def __init__(
        self, account_name: str, path: Path, parent: QWidget | None = None, *, database: Database | None = None
    ) -> None:
        intro = (
            f"把数据库“{path.name}”转换为加密的文件：先做一个加密的副本并与原文件逐表核对，再替换原文件；"
            "备份文件夹里的旧备份也一并加密。其间窗口会关闭片刻。<br><br>"
            "原来的未加密文件先用零覆盖再删除（固态硬盘、U盘上只能尽力而为：硬盘可能把旧数据留在别处，"
            "整盘加密如 BitLocker 才能完全杜绝）。<br><br>"
            "加密后只有账号能打开它；其他账号须由管理员重置密码后才能登录。"
            "完成后显示一次恢复码，请打印交站长保管。"
        )
        super().__init__(account_name, "加密数据库", intro, "加密", parent, database)


class NewCodeDialog(_AdminPasswordDialog):
    """重新生成恢复码: the file re-keyed, the old code void."""

    def __init__(
        self, account_name: str, path: Path, parent: QWidget | None = None, *, database: Database | None = None
    ) -> None:
        intro = (
            f"为数据库“{path.name}”生成新的恢复码：用新的密钥重新加密整个文件（先做一个副本并逐表核对，再替换），"
            "备份文件夹里的备份也换用新密钥。其间窗口会关闭片刻。<br><br>"
            "<b>旧的恢复码随即作废</b>（丢失的那张纸从此打不开数据库）；所有账号照常用原密码登录。"
            "完成后显示一次新的恢复码，请打印或抄写交站长保管。"
        )
        super().__init__(account_name, "重新生成恢复码", intro, "重新生成", parent, database)
