"""数据库位置: the window on this computer's file, or on the county's PostgreSQL server.

The choice is remembered in the user's settings (store/location.py) and applied at once: the window
host closes this window and opens the chosen database (``location_chosen``). 测试连接 connects off the
UI thread and says what it found, changing nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.services.location import (
    ServerProbe,
    is_server_address,
    remember_server,
    try_server,
    with_password,
    without_password,
)
from fupin_desktop.store.db import Database, default_database_path
from fupin_desktop.ui.forms import ERROR_STYLE
from fupin_desktop.ui.tasks import Task, TaskControl, run_task

ADDRESS_HINT = "postgresql://用户名@服务器地址/数据库名"
OK_STYLE = "color: #1a6b1a;"


class LocationDialog(QDialog):
    """Where the window's database is; emits ``location_chosen`` (None: the default file) when saved."""

    location_chosen = Signal(object)  # str (a server address, with the typed password) or None

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("数据库位置")
        self.probe_task: Task[ServerProbe] | None = None
        self.on_file = QRadioButton(f"本机的数据库文件（默认：{default_database_path()}）")
        self.on_server = QRadioButton("县级数据库服务器（PostgreSQL）：多位用户同时使用同一个数据库")
        group = QButtonGroup(self)
        group.addButton(self.on_file)
        group.addButton(self.on_server)
        self.address = QLineEdit(without_password(database.url) if database.is_server else "")
        self.address.setPlaceholderText(ADDRESS_HINT)
        self.address.setMinimumWidth(420)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("不保存在本机；可写在用户的 pgpass 文件中（见说明书）")
        self.test_button = QPushButton("测试连接(&T)")
        self.test_button.clicked.connect(self.test_connection)
        form = QFormLayout()
        form.addRow("服务器地址：", self.address)
        form.addRow("数据库密码：", self.password)
        form.addRow("", self.test_button)
        self.server_box = QWidget()
        self.server_box.setLayout(form)
        note = QLabel(
            "在服务器上时，数据库文件才有的功能不适用：不建立锁文件（多位用户可同时使用，由服务器的行锁"
            "保证互不覆盖）；“备份与恢复”改由服务器管理员用 pg_dump / pg_restore 完成；文件加密和文件检查"
            "改由服务器的账号权限和 TLS 加密连接保障。"
        )
        note.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button.setText("保存并重新打开")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        # What is open now: started with --db, it is not the default file the first choice names.
        where = without_password(database.url) if database.is_server else database.location
        self.current = QLabel(f"现在打开的是：{where}")
        self.current.setWordWrap(True)
        self.current.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current)
        layout.addWidget(self.on_file)
        layout.addWidget(self.on_server)
        layout.addWidget(self.server_box)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.on_server.toggled.connect(self.server_box.setEnabled)
        (self.on_server if database.is_server else self.on_file).setChecked(True)
        self.server_box.setEnabled(database.is_server)

    def chosen_address(self) -> str | None:
        """The server address with the typed password, None for the file; a bad address says why."""
        if self.on_file.isChecked():
            return None
        address = self.address.text().strip()
        if not is_server_address(address):
            raise ValueError(f"服务器地址应以 postgresql:// 开头，例如 {ADDRESS_HINT}")
        return with_password(address, self.password.text())

    def _say(self, text: str, good: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(OK_STYLE if good else ERROR_STYLE)
        self.message.setVisible(True)

    def test_connection(self) -> None:
        try:
            address = self.chosen_address()
        except ValueError as error:
            self._say(str(error), False)
            return
        if address is None:
            return
        self.test_button.setEnabled(False)
        self._say("正在连接……", True)

        def work(_control: TaskControl) -> ServerProbe:
            return try_server(address)

        def done(probe: ServerProbe) -> None:
            self.probe_task = None
            self.test_button.setEnabled(True)
            self._say(probe.message, probe.usable)

        self.probe_task = run_task(self, "测试连接", work, done, cancellable=False, quiet=True)

    def save(self) -> None:
        try:
            address = self.chosen_address()
        except ValueError as error:
            self._say(str(error), False)
            return
        try:
            remember_server(address)
        except OSError as error:
            self._say(f"无法保存设置：{error.strerror}", False)
            return
        self.accept()
        self.location_chosen.emit(address)
