"""封存 confirmation with the sheet's signature block: 填表人, 联系电话, 审核人, 负责人, taken from the
accounts and editable for this sheet before it is sealed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.validation import validate_phone
from fupin_desktop.services.signatories import NAME_LIMIT, Signatories
from fupin_desktop.ui.forms import ERROR_STYLE


class SealDialog(QDialog):
    """The question "封存并编号？" and the names printed on the sheet; 取消 is the default button, so
    Enter never seals."""

    def __init__(self, question: str, names: Signatories, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("封存上报表")
        self.setMinimumWidth(520)
        intro = QLabel(question)
        intro.setWordWrap(True)
        hint = QLabel("以下签字栏内容印在表上并随表封存，封存后不能修改；默认取自账号，可按本表实际情况改写。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.operator = QLineEdit(names.operator)
        self.phone = QLineEdit(names.phone)
        self.reviewer = QLineEdit(names.reviewer)
        self.head = QLineEdit(names.head)
        form = QFormLayout()
        for label, edit in (
            ("填表人(&O)", self.operator),
            ("联系电话(&T)", self.phone),
            ("审核人(&R)", self.reviewer),
            ("负责人(&H)", self.head),
        ):
            edit.setMaxLength(NAME_LIMIT)
            form.addRow(label + "：", edit)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.seal_button = QPushButton("封存")
        self.cancel_button = QPushButton("取消")
        self.seal_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.seal_button.clicked.connect(self.try_accept)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.seal_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def value(self) -> Signatories:
        return Signatories(
            self.operator.text().strip(),
            self.phone.text().strip(),
            self.reviewer.text().strip(),
            self.head.text().strip(),
        )

    def try_accept(self) -> None:
        """A name left empty or a phone that is not one is said here; the service checks it again."""
        names = self.value()
        problems = [
            f"请填写{label}"
            for label, text in (("填表人", names.operator), ("审核人", names.reviewer), ("负责人", names.head))
            if not text
        ]
        phone = validate_phone(names.phone)  # already names the field: "联系电话“…”不是有效号码…"
        if phone:
            problems.append(phone)
        if problems:
            self.message.setText("；".join(problems))
            self.message.setVisible(True)
            return
        self.accept()
