"""The 数据交换 page: an import is previewed before anything is written, the questions it leaves are shown
side by side and decided with a button, and packages go out encrypted to a site whose key is known."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from pytestqt.qtbot import QtBot

from fupin_desktop.services.accounts import sign_in
from fupin_desktop.services.households import register_person
from fupin_desktop.services.packages import export_package
from fupin_desktop.services.station import start_station
from fupin_desktop.store.db import open_database
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.exchange_page import ExchangePage
from fupin_desktop.ui.tasks import _running
from tests.conftest import TODAY, person
from tests.test_three_sites import Net, _edit, _laptop, _own_name, _person, _station, dump


def _wait_tasks(qtbot: QtBot) -> None:
    for task in list(_running):
        task.wait()
    qtbot.waitUntil(lambda: not _running, timeout=20_000)


def test_import_is_previewed_then_questions_are_decided_side_by_side(
    qtbot: QtBot, qtmodeltester: object, tmp_path: Path, monkeypatch: object
) -> None:
    station, _north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    _edit(a, "甲录入", "李秀英", phone="13905391111")
    _edit(b, "乙录入", "李秀英", phone="13905392222")
    household_id = _person(a, "张三丰").household_id
    child = person("张小明", "之子", date(2001, 6, 9), 33)
    register_person(a, actor="甲录入", household_id=household_id, facts=child, on=TODAY)
    register_person(b, actor="乙录入", household_id=household_id, facts=replace(child, phone="13905393333"), on=TODAY)
    net.send(b, station)
    package = tmp_path / "from-a.fupinpkg"
    export_package(a, actor="甲录入", out=package, to=_own_name(station))

    page = ExchangePage(AppContext(station))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    before = dump(station)
    monkeypatch.setattr(page, "import_path", lambda: package)  # type: ignore[attr-defined]
    page.import_button.click()
    _wait_tasks(qtbot)
    assert "将套用" in page.preview.text() and "冲突1条" in page.preview.text() and "疑似重复1条" in page.preview.text()
    assert page.confirm_button.isEnabled() and dump(station) == before  # previewed: nothing written yet
    page.confirm_button.click()
    _wait_tasks(qtbot)
    assert "已导入" in page.status.text() and not page.confirm_button.isEnabled()
    assert page.issues.rowCount() == 2 and page.tabs.tabText(0).startswith("待处理（2/2")
    qtmodeltester.check(page.issues)  # type: ignore[attr-defined]
    page.tabs.setCurrentIndex(0)
    page.show()
    duplicate = next(r for r in range(page.issues.rowCount()) if page.issues.record(r).kind == "duplicate")
    page.issue_table.selectRow(duplicate)
    assert page.detail.values["ours"].text() == "联系电话：13905393333"  # where the two records differ, side by side
    assert page.detail.values["theirs"].text() == "联系电话：（无）"
    page.grab().save(str(tmp_path / "exchange-duplicate.png"))
    conflict = next(r for r in range(page.issues.rowCount()) if page.issues.record(r).kind == "conflict")
    page.issue_table.selectRow(conflict)
    page.grab().save(str(tmp_path / "exchange-conflict.png"))
    assert page.detail.values["ours"].text() == "13905392222" and page.detail.values["theirs"].text() == "13905391111"
    assert "甲录入" in page.detail.who["theirs"].text() and "乙录入" in page.detail.who["ours"].text()
    assert page.decision_buttons["theirs"].isEnabled() and not page.decision_buttons["merge"].isEnabled()
    page.decision_buttons["theirs"].click()
    assert _person(station, "李秀英").phone == "13905391111"
    assert page.issues.rowCount() == 1 and "已采用对方" in page.status.text()

    page.issue_table.selectRow(0)
    assert page.issues.record(0).kind == "duplicate" and page.decision_buttons["merge"].isEnabled()
    monkeypatch.setattr(page, "confirm", lambda _text: True)  # type: ignore[attr-defined]
    page.decision_buttons["merge"].click()
    assert page.issues.rowCount() == 0 and _person(station, "张小明").phone == "13905393333"

    page.receiver.setCurrentIndex(page.receiver.findData(_own_name(a)))
    out = tmp_path / "to-a.fupinpkg"
    monkeypatch.setattr(page, "export_path", lambda _suggested: out)  # type: ignore[attr-defined]
    page.export_button.click()
    _wait_tasks(qtbot)
    assert out.exists() and "已加密" in page.status.text()
    page.tabs.setCurrentIndex(1)
    page.grab().save(str(tmp_path / "exchange-history.png"))
    directions = [page.history.record(r).direction for r in range(page.history.rowCount())]
    assert directions[0] == "发出" and "收到" in directions
    qtmodeltester.check(page.history)  # type: ignore[attr-defined]
    assert page.sites.rowCount() == 3
    for database in (station, a, b):
        database.dispose()


def test_a_refused_package_leaves_nothing_to_confirm(qtbot: QtBot, tmp_path: Path, monkeypatch: object) -> None:
    station, _north, _south = _station(tmp_path)
    junk = tmp_path / "junk.fupinpkg"
    junk.write_bytes(b"not a package")
    page = ExchangePage(AppContext(station))
    qtbot.addWidget(page)
    shown: list[str] = []
    monkeypatch.setattr("fupin_desktop.ui.operations.show_error", lambda _p, error, *_a: shown.append(str(error)))  # type: ignore[attr-defined]
    monkeypatch.setattr(page, "import_path", lambda: junk)  # type: ignore[attr-defined]
    page.import_button.click()
    _wait_tasks(qtbot)
    assert shown and "不是本程序导出的数据包" in shown[0]
    assert not page.confirm_button.isEnabled() and page.pending_import is None
    station.dispose()


def test_a_new_laptop_s_管理员_is_told_which_account_imports(qtbot: QtBot, tmp_path: Path) -> None:
    """The same advice as ``package import``'s refusal: make a 乡镇经办人 in 账号管理 and import with it."""
    laptop = open_database(tmp_path / "laptop.db")
    start_station(laptop, admin="张村", password="zhangcun1")
    context = AppContext(laptop)
    page = ExchangePage(context)
    qtbot.addWidget(page)
    context.set_account(sign_in(laptop, name="张村", password="zhangcun1"))
    told = page.preview.text()
    assert "本账号只能导出数据包" in told and "账号管理" in told and "乡镇经办人" in told and "村级录入员" in told
    laptop.dispose()


def test_a_laptop_s_packages_go_to_its_station_unless_the_clerk_picks_another(qtbot: QtBot, tmp_path: Path) -> None:
    """On a village laptop the page offers its station first (a full package is for a new laptop, made at the
    station); at the station the full package comes first; what the clerk picks stays picked."""
    station, _north, _south = _station(tmp_path)
    laptop = _laptop(station, tmp_path, "甲")
    at_laptop, at_station = ExchangePage(AppContext(laptop)), ExchangePage(AppContext(station))
    for page in (at_laptop, at_station):
        qtbot.addWidget(page)
        page.refresh()
    assert at_laptop.receiver.currentData() == _own_name(station)
    assert at_station.receiver.currentData() is None and at_station.receiver.currentText().startswith("完整数据包")
    full = at_laptop.receiver.findData(None)
    at_laptop.receiver.setCurrentIndex(full)
    at_laptop.receiver.activated.emit(full)  # as a click on it does
    at_laptop.refresh()
    assert at_laptop.receiver.currentData() is None
    for database in (station, laptop):
        database.dispose()
