"""The first day in the window: pick the county, then 新增乡镇 / 新增村 with the visible buttons,
import the code table, rename and merge — on a database that starts empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from pytestqt.qtbot import QtBot

from fupin_desktop.services.regions import list_regions
from fupin_desktop.services.settings import StationProfile, save_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui import messages
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.region_dialog import AddRegionDialog, CountyDialog, MergeVillageDialog, RenameRegionDialog
from fupin_desktop.ui.roster_models import RECORD_ROLE
from fupin_desktop.ui.roster_page import RosterPage
from tests.test_regions import NBS_ROWS, write_csv


@pytest.fixture
def empty_window(qtbot: QtBot, database: Database) -> Iterator[MainWindow]:
    with UnitOfWork(database, "测试员") as uow:
        save_station_profile(uow, StationProfile("界湖街道人社所", "界湖街道", "王敏", "13805390000"))
        uow.commit()
    main = MainWindow(database)
    main.show()
    yield main
    main.close()
    main.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def roster(window: MainWindow) -> RosterPage:
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    return page


def test_the_county_dialog_walks_province_city_county(qtbot: QtBot, database: Database) -> None:
    dialog = CountyDialog(database, "王敏", first_start=True)
    qtbot.addWidget(dialog)
    dialog.province.setCurrentIndex(dialog.province.findText("山东省"))
    dialog.city.setCurrentIndex(dialog.city.findText("临沂市"))
    assert dialog.county.findText("沂南县（371321）") >= 0
    dialog.county.setCurrentIndex(dialog.county.findText("沂南县（371321）"))
    dialog.save()
    assert dialog.saved_code == "371321000000"
    assert [(n.name, n.level) for n in list_regions(database)] == [("沂南县", "county")]
    again = CountyDialog(database, "王敏")
    qtbot.addWidget(again)
    again.choose("371521")
    assert again.county.currentData() == "371521"
    again.save()
    assert again.saved_code is None and "只管一个县" in again.message.text()


def test_from_an_empty_tree_to_a_village_with_the_buttons(
    qtbot: QtBot, empty_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = roster(empty_window)
    shown: list[str] = []
    monkeypatch.setattr(messages, "show_error", lambda _parent, error, _title="": shown.append(str(error)))
    page.add_household()
    assert "还没有村" in shown[-1]
    assert page.add_township_button.isVisible() and page.add_village_button.isVisible()
    page.add_township_button.click()  # no county yet: says so and opens the county step
    assert "所属的县" in shown[-1] and isinstance(page.dialog, CountyDialog)
    page.dialog.choose("371321")
    page.dialog.save()
    page.add_village_button.click()
    assert "请先新增乡镇" in shown[-1]

    page.add_township_button.click()
    township = page.dialog
    assert isinstance(township, AddRegionDialog) and township.code.text() == "371321"
    township.name.setText("界湖街道")
    township.code.setText("371321001001")
    township.save()
    assert "后3位为000" in township.message.text()
    township.code.setText("371321001000")
    township.save()
    assert not township.isVisible()

    page.add_village_button.click()  # the only township is taken without selecting it
    village = page.dialog
    assert isinstance(village, AddRegionDialog) and village.code.text() == "371321001"
    village.name.setText("北村")
    village.code.setText("371321001001")
    village.save()
    assert not village.isVisible()
    assert page.selected_region() == village.saved_id
    page.add_household()
    assert page.dialog is not None and page.dialog.windowTitle().startswith("新增农户")


def test_import_rename_and_merge_from_the_region_panel(
    qtbot: QtBot, empty_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = roster(empty_window)
    shown: list[str] = []
    monkeypatch.setattr(messages, "show_error", lambda _parent, error, _title="": shown.append(str(error)))
    bad = write_csv(tmp_path / "bad.csv", [*NBS_ROWS, ("371322001001", "外县村")])
    page.import_regions_file(bad)
    assert "第8行" in shown[-1] and page.region_model.rowCount() == 0
    page.import_regions_file(write_csv(tmp_path / "codes.csv", NBS_ROWS))
    assert page.region_model.rowCount() == 1
    county = page.region_model.item(0)
    assert county.rowCount() == 2 and county.child(0).rowCount() == 2

    page.select_region(county.child(0).child(0).data(RECORD_ROLE))
    north = page.selected_region()
    page.rename_region()
    rename = page.dialog
    assert isinstance(rename, RenameRegionDialog)
    rename.name.setText("北新村")
    rename.save()
    assert not rename.isVisible()

    page.select_region(page.region_model.item(0).child(0).child(1).data(RECORD_ROLE))
    page.merge_village()
    merge = page.dialog
    assert isinstance(merge, MergeVillageDialog)
    merge.target.setCurrentIndex(next(i for i in range(merge.target.count()) if merge.target.itemData(i) == north))
    assert merge.target.currentText().startswith("北新村")
    monkeypatch.setattr(messages, "confirm", lambda *_a: True)
    merge.save()
    assert not merge.isVisible()
    names = [n.name for n in list_regions(empty_window.context.database) if n.level == "village"]
    assert names == ["北新村", "朱家里村"]
    assert page.selected_region() == north
