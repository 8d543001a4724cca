"""不是同一人: two people entered with one 身份证号 are kept apart only with the right number of the one who
carries it wrongly — the clerk says which of the two and types the number; the service writes it everywhere."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.idnumber import IdNumber, IdNumberError
from fupin_desktop.services.package_decisions import IssueView, NumberCorrection
from fupin_desktop.ui.forms import ERROR_STYLE


class NumberCorrectionDialog(QDialog):
    """Which side's 身份证号 is wrong, and the right one; 确定 only with a number that is one."""

    def __init__(self, issue: IssueView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("不是同一人：更正身份证号")
        ours, theirs = issue.wrong_names
        households = "若两户不是同一户：" if issue.entity == "household" else ""
        intro = QLabel(
            f"{households}本站的{ours}与对方的{theirs}身份证号相同（{issue.shared_number}）。"
            "一个身份证号只属于一个人：请核实（户口簿、身份证）后选出号码有误的一方，并填写其本人的正确号码。"
            "更正随数据包传到各站。尚未核实时请取消，此事项可暂不处理。"
        )
        intro.setWordWrap(True)
        self.theirs_wrong = QRadioButton(f"对方的 {theirs} 号码有误")
        self.ours_wrong = QRadioButton(f"本站的 {ours} 号码有误")
        self.theirs_wrong.setChecked(True)
        group = QButtonGroup(self)
        for button in (self.theirs_wrong, self.ours_wrong):
            group.addButton(button)
        self.number = QLineEdit()
        self.number.setMaxLength(20)
        self.number.setPlaceholderText("有误一方的正确身份证号：18位，末位可为X")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing())
        buttons = QDialogButtonBox()
        self.ok_button: QPushButton = buttons.addButton("更正并分开保留", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.number.textChanged.connect(self._check)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.theirs_wrong)
        layout.addWidget(self.ours_wrong)
        layout.addWidget(self.number)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self._check()

    def _check(self) -> None:
        text = self.number.text().strip()
        problem = ""
        if text:
            try:
                IdNumber.parse(text)
            except IdNumberError as error:
                problem = str(error)
        self.message.setText(problem)
        self.ok_button.setEnabled(bool(text) and not problem)

    def correction(self) -> NumberCorrection:
        return NumberCorrection("ours" if self.ours_wrong.isChecked() else "theirs", self.number.text().strip())
