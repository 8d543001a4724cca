"""A combo of the regions (county → township → village), indented, with the household counts."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QWidget

from fupin_desktop.services.regions import RegionNode, region_nodes
from fupin_desktop.store.db import Database

if TYPE_CHECKING:
    from fupin_desktop.ui.context import AppContext

_INDENT = {"province": 0, "city": 0, "county": 0, "township": 1, "village": 2}


class RegionCombo(QComboBox):
    """``currentData()`` is the region id, or None for 全部; ``levels`` limits what may be chosen."""

    def __init__(
        self,
        database: Database,
        *,
        all_label: str | None = "全部地区",
        levels: tuple[str, ...] | None = None,
        parent: QWidget | None = None,
        context: AppContext | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.context = context  # whose regions: a 村级录入员 is offered their own village only
        self.all_label = all_label
        self.levels = levels
        self.setMaxVisibleItems(25)
        self.setMinimumContentsLength(14)
        self.reload()

    def reload(self) -> None:
        current = self.currentData()
        self.blockSignals(True)
        self.clear()
        if self.all_label is not None:
            self.addItem(self.all_label, None)
        nodes = self.database.read(region_nodes, self.context.actor if self.context is not None else None)
        children: dict[uuid.UUID | None, list[RegionNode]] = {}
        for node in nodes:
            children.setdefault(node.parent_id, []).append(node)

        def add(parent: uuid.UUID | None) -> None:
            for node in children.get(parent, []):
                if self.levels is None or node.level in self.levels:
                    indent = "　" * _INDENT.get(node.level, 0)
                    self.addItem(f"{indent}{node.name}（{node.household_count}户）", node.id)
                add(node.id)

        add(None)
        self.setCurrentIndex(max(self.index_of(current), 0))
        self.blockSignals(False)

    def index_of(self, region_id: uuid.UUID | None) -> int:
        """The row holding ``region_id`` (findData compares the Python wrappers, not the ids), or -1."""
        return next((i for i in range(self.count()) if self.itemData(i) == region_id), -1)

    def select(self, region_id: uuid.UUID | None) -> None:
        index = self.index_of(region_id)
        if index >= 0:
            self.setCurrentIndex(index)
