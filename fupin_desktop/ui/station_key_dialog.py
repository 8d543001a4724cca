"""本站密钥: the station's fingerprint and its public key as a QR code, export and registration of keys."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.accounts import Actor, roles_phrase
from fupin_desktop.domain.permissions import PERMISSIONS, Capability, allowed
from fupin_desktop.domain.signing import KEY_FILE_SUFFIX, PublicKey
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.station_keys import (
    export_station_key,
    known_keys_of,
    protection_note,
    register_station_key,
)
from fupin_desktop.store.db import Database


def qr_pixmap(text: str, size: int = 220) -> QPixmap:
    """A QR code of ``text`` drawn module by module (the qrcode package gives the matrix)."""
    import qrcode

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    scale = max(1, size // modules)
    image = QImage(modules * scale, modules * scale, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(x * scale, y * scale, scale, scale, QColor("black"))
    painter.end()
    return QPixmap.fromImage(image)


class StationKeyDialog(QDialog):
    def __init__(self, database: Database, operator: Who, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.operator = operator
        self.setWindowTitle("本站密钥")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.registered = QPlainTextEdit()
        self.registered.setReadOnly(True)
        self.registered.setMaximumHeight(110)
        note = QLabel("上报表由本站密钥签名，县局凭本站导出的密钥文件核验“是本站封存的原件”。")
        note.setWordWrap(True)
        # Where the private half lies: with the encrypted data, or unprotected in a plain file.
        self.protection = QLabel()
        self.protection.setWordWrap(True)
        self.export_button = QPushButton("导出密钥文件…")
        self.import_button = QPushButton("登记其他站点的密钥…")
        self.export_button.clicked.connect(self.export_key)
        self.import_button.clicked.connect(self.import_key)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        # Hidden, as elsewhere in the window, from an account that may not (the service refuses it anyway).
        role = operator.role if isinstance(operator, Actor) else None
        self.may_manage = allowed(role, Capability.STATION_KEYS)
        self.export_button.setVisible(self.may_manage)
        self.import_button.setVisible(self.may_manage)
        if not self.may_manage:
            who = roles_phrase(PERMISSIONS[Capability.STATION_KEYS].roles)
            note.setText(f"{note.text()}导出本站密钥、登记其他站点的密钥由{who}办理。")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.qr)
        layout.addWidget(note)
        layout.addWidget(self.protection)
        layout.addWidget(QLabel("已登记的其他站点密钥："))
        layout.addWidget(self.registered)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        keys = known_keys_of(self.database)
        own: PublicKey = keys[0]
        self.own = own
        self.summary.setText(
            f"<b>{own.unit_name or '（请先在“设置”中填写填表单位）'}</b><br>"
            f"密钥指纹：<b style='font-family:monospace'>{own.fingerprint}</b>（算法 {own.algorithm}）"
        )
        self.qr.setPixmap(qr_pixmap(own.qr_text()))
        unprotected = protection_note(self.database)
        if unprotected is not None:
            self.protection.setText(
                f"<b style='color:#b00020'>{unprotected}</b>（设置 → 加密数据库）。"
                "私钥在本数据库文件中以明文保存，电脑丢失时他人可用它冒充本站签名；备份中不含私钥。"
            )
        else:
            self.protection.setText("私钥保存在本数据库中，随数据一同加密，只导出公钥。")
        self.registered.setPlainText("\n".join(f"{k.fingerprint}  {k.unit_name}" for k in keys[1:]) or "（无）")

    def export_key(self) -> None:
        suggested = str(Path.home() / f"{self.own.unit_name or '本站'}-{self.own.fingerprint}{KEY_FILE_SUFFIX}")
        chosen, _ = QFileDialog.getSaveFileName(self, "导出本站密钥文件", suggested, f"站点密钥 (*{KEY_FILE_SUFFIX})")
        if chosen:
            self.export_to(Path(chosen))

    def export_to(self, path: Path) -> None:
        try:
            result = export_station_key(self.database, actor=self.operator, out=path)
        except ServiceError as error:
            QMessageBox.warning(self, "未导出", str(error))
            return
        QMessageBox.information(self, "已导出", f"已导出本站密钥（指纹 {result.key.fingerprint}）：\n{result.path}")

    def import_key(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "选择其他站点的密钥文件", "", f"站点密钥 (*{KEY_FILE_SUFFIX});;所有文件 (*)"
        )
        if chosen:
            self.register(Path(chosen))

    def register(self, path: Path) -> None:
        try:
            result = register_station_key(self.database, actor=self.operator, path=path)
        except ServiceError as error:
            QMessageBox.warning(self, "未登记", str(error))
            return
        self.refresh()
        done = "已登记" if result.added else "该密钥早已登记"
        QMessageBox.information(self, "站点密钥", f"{done}：{result.key.unit_name}，指纹 {result.key.fingerprint}")
