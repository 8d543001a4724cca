"""新增村: a village (name and 12-digit 统计用区划代码) under a township."""

from __future__ import annotations

import uuid
from functools import partial

from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.regions import add_village
from fupin_desktop.services.results import Saved
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.forms import ERROR_STYLE, FormDialog
from fupin_desktop.ui.operations import Operation


class AddVillageDialog(FormDialog):
    def __init__(
        self,
        context: AppContext,
        township_id: uuid.UUID,
        township_name: str,
        township_code: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.township_id = township_id
        self.saved_id: uuid.UUID | None = None
        self.setWindowTitle(f"新增村 — {township_name}")
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：北村")
        self.code = QLineEdit((township_code or "")[:9])
        self.code.setValidator(QRegularExpressionValidator(r"\d{0,12}"))
        self.code.setPlaceholderText("12位统计用区划代码")
        form = QFormLayout()
        form.addRow("村名称：", self.name)
        form.addRow("区划代码：", self.code)
        hint = QLabel("区划代码前9位为所属乡镇代码，后3位为村的代码（可在国家统计局统计用区划代码中查到）。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        save = QPushButton("保存(&S)")
        cancel = QPushButton("取消")
        for button in (save, cancel):
            button.setAutoDefault(False)
        save.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(save)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.watch([self.name, self.code])
        self.code.returnPressed.connect(self.save)
        self.setMinimumWidth(440)

    def save(self) -> None:
        code = self.code.text().strip()
        if len(code) != 12:
            self.message.setText(f"区划代码应为12位数字，现为{len(code)}位")
            self.message.setVisible(True)
            self.code.setFocus()
            return
        database, actor, name = self.context.database, self.context.operator, self.name.text()
        work = partial(add_village, database, actor=actor, township_id=self.township_id, name=name, code=code)
        Operation(self, self.context, work, changes="region").refused(self._refused).success(self._saved).run()

    def _saved(self, saved: Saved) -> None:
        self.saved_id = saved.id
        self.accept_saved()

    def _refused(self, error: ServiceError) -> None:
        self.message.setText(messages.describe(error))
        self.message.setVisible(True)
