"""The import preview names the column of every problem of a row, not only the first problem."""

from __future__ import annotations

import uuid
from pathlib import Path

from pytestqt.qtbot import QtBot

from fupin_desktop.store.db import Database
from fupin_desktop.ui.import_page import PreviewModel
from tests.sheets import HEADER, LI, good_rows, write_sheet
from tests.test_import_ui import open_dialog


def test_every_problem_of_a_row_is_shown_with_its_column(
    qtbot: QtBot, database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[1][HEADER.index("身份证号")] = LI[:-1] + ("1" if LI[-1] != "1" else "2")
    rows[1][HEADER.index("文化程度")] = "大学问"
    _page, dialog = open_dialog(qtbot, database, write_sheet(tmp_path / "北村.xlsx", rows))
    problems = dialog.model.index(1, PreviewModel.PROBLEMS).data()
    assert "【身份证号】" in problems and "校验位" in problems
    assert "【文化程度】" in problems and "大学问" in problems
    dialog.close()
