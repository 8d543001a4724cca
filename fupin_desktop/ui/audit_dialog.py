"""修改记录: who changed what on one record, newest first."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from fupin_desktop.services.audit import audit_history
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.roster_models import AuditTableModel


class AuditDialog(QDialog):
    def __init__(
        self, context: AppContext, entity: str, entity_ids: list[uuid.UUID], title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"修改记录 — {title}")
        self.resize(900, 420)
        rows = context.database.read(audit_history, entity, entity_ids)
        self.model = AuditTableModel(self)
        self.model.set_rows(rows)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for column, spec in enumerate(self.model.columns):
            self.table.setColumnWidth(column, spec.width)
        header.setSectionResizeMode(len(self.model.columns) - 1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"共{len(rows)}条记录" if rows else "尚无修改记录"))
        layout.addWidget(self.table)
        layout.addWidget(buttons)
