"""A county above two townships: each township's station has its own village laptop, and each station sends
the county a full package, then incremental ones. What a village did reaches the county once, under the
village's own site and numbers, whichever way it travelled; the county asks a township to correct a record
(it never changes one itself), and the township's decision comes back up. In the end the county holds the
union, and every township holds exactly its part of the county."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from fupin_desktop.cli import main
from fupin_desktop.services.households import register_household
from fupin_desktop.services.package_decisions import list_issues, request_change
from fupin_desktop.services.packages import export_package, import_package
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.settings import store_station_profile
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.sites import rename_own_site
from fupin_desktop.services.submissions import seal_sheet
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import ChangeEntry, Household, Person, Region, Site, Submission
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY, household, person
from tests.test_packages import _introduce, _open, load_station_profile_of
from tests.test_three_sites import Net, _edit, _same, decide_all, dump

COUNTY = "371321000000"
TOWNSHIPS = {"界湖": ("371321001000", "界湖街道", "371321001001", "北村"),
             "岸堤": ("371321002000", "岸堤镇", "371321002001", "东山村")}  # fmt: skip


def _person(database: Database, name: str) -> Person:
    with database.session_factory() as session:
        return session.scalars(select(Person).where(Person.name == name)).one()


def _own(database: Database) -> Site:
    with database.session_factory() as session:
        return session.scalars(select(Site).where(Site.own.is_(True))).one()


def _county(folder: Path) -> Database:
    county = _open(folder / "county.db", "县局", "沂南县人力资源和社会保障局")
    rename_own_site(county, actor="县局", name="沂南县人社局", kind="county")
    with UnitOfWork(county, "县局") as uow:
        top = create_region(uow, "沂南县", "county", None, COUNTY)
        for code, name, _village, _village_name in TOWNSHIPS.values():
            create_region(uow, name, "township", top, code)
        uow.commit()
    return county


def _township(county: Database, folder: Path, short: str, start: int) -> tuple[Database, Database]:
    """A station made from the county's full package (its regions), with its village, people and a sealed
    sheet, and a village laptop made from the station's full package."""
    code, township, village_code, village_name = TOWNSHIPS[short]
    station = _open(folder / f"{short}.db", f"{short}站长", f"沂南县{township}人力资源和社会保障所")
    fx.station(station, f"沂南县{township}人力资源和社会保障所")
    profile = load_station_profile_of(station)
    store_station_profile(station, actor=f"{short}站长", profile=replace(profile, township=township))
    _introduce(county, station, folder)
    full = export_package(county, actor="县局", out=folder / f"county-to-{short}.fupinpkg")
    import_package(station, actor=f"{short}站长", path=full.path)
    rename_own_site(station, actor=f"{short}站长", name=f"{township}人社所", region_code=code)
    with UnitOfWork(station, f"{short}站长") as uow:
        township_id = uow.session.scalars(select(Region.id).where(Region.code == code)).one()
        village = create_region(uow, village_name, "village", township_id, village_code)
        uow.commit()
    fx.people(station, village, 4, start=start)
    with station.session_factory() as session:  # the first household's two people
        sealed = list(
            session.scalars(select(Person.id).where(Person.name.in_(fx.NAMES[2 * start % 12 : 2 * start % 12 + 2])))
        )
    fx.intentions(station, sealed, "training", fx.PATH_TO_PASSED)
    with UnitOfWork(station, f"{short}站长") as uow:
        seal_sheet(uow, SheetRequest("training_list"), folder / f"sealed-{short}", today=TODAY)
    laptop = _open(folder / f"{short}-village.db", f"{short}村录入", f"{village_name}笔记本")
    _introduce(station, laptop, folder)
    full = export_package(station, actor=f"{short}站长", out=folder / f"full-{short}-village.fupinpkg")
    import_package(laptop, actor=f"{short}村录入", path=full.path)
    rename_own_site(laptop, actor=f"{short}村录入", kind="village", region_code=village_code)
    return station, laptop


def _made_by(county: Database) -> dict[uuid.UUID, uuid.UUID]:
    """Which site made each record: its first entry in the county's log."""
    with county.session_factory() as session:
        rows = session.execute(
            select(ChangeEntry.entity_id, ChangeEntry.site_id).order_by(
                ChangeEntry.arrival.nulls_first(), ChangeEntry.seq
            )
        )
        out: dict[uuid.UUID, uuid.UUID] = {}
        for entity_id, site_id in rows:
            out.setdefault(entity_id, site_id)
        return out


def _part(whole: dict[str, list[dict[str, object]]], made_by: dict[uuid.UUID, uuid.UUID], sites: set[uuid.UUID]):  # type: ignore[no-untyped-def]
    return {
        table: [row for row in rows if made_by[uuid.UUID(str(row["id"]))] in sites] for table, rows in whole.items()
    }


def test_a_county_relays_two_townships_once_each_and_asks_them_for_corrections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = _county(tmp_path)
    net = Net(tmp_path)
    (jie, jie_village), (an, an_village) = (
        _township(county, tmp_path, "界湖", 0),
        _township(county, tmp_path, "岸堤", 8),
    )
    for station, laptop, short in ((jie, jie_village, "界湖"), (an, an_village, "岸堤")):
        net.send(laptop, station)  # the station learns its laptop
        _code, _township_name, village_code, _village_name = TOWNSHIPS[short]
        with laptop.session_factory() as session:
            village = session.scalars(select(Region.id).where(Region.code == village_code)).one()
        start = 30 if short == "界湖" else 40
        family = household(f"{village_code}0{start}", person(f"{short}新户主", "户主", date(1980, 3, 3), start))
        register_household(laptop, actor=f"{short}村录入", village_id=village, facts=replace(family, card_no=""))
        _edit(laptop, f"{short}村录入", "张建国" if short == "界湖" else "赵伟", phone="13905391000")  # not sealed
        net.send(laptop, station)
        net.send(station, laptop)

    # Full packages from both townships, then an incremental one after more village work.
    for station in (jie, an):
        full = export_package(station, actor="站长", out=tmp_path / f"full-{_own(station).name}.fupinpkg")
        first = import_package(county, actor="县局", path=full.path)
        assert not first.issues, first.issues
    with county.session_factory() as session:
        assert _own(county).kind == "county" and _own(county).parent_id is None  # no township is its parent
        assert session.scalar(select(func.count()).select_from(Household)) == 6  # 2 + 1 in each township
    _edit(jie_village, "界湖村录入", "界湖新户主", education="高中")
    net.send(jie_village, jie)
    _path, relayed = net.send(jie, county)
    assert relayed is not None and relayed.applied > 0 and not relayed.issues
    again = import_package(county, actor="县局", path=_path)
    assert again.applied == 0  # the same package twice: nothing
    village_site = _own(jie_village)
    with county.session_factory() as session:  # the village's changes, once each, under its own numbers
        numbers = list(session.scalars(select(ChangeEntry.seq).where(ChangeEntry.site_id == village_site.id)))
        assert sorted(numbers) == list(range(1, len(numbers) + 1)) and numbers
        assert max(numbers) == session.get(Site, village_site.id).last_seq  # type: ignore[union-attr]
        twice = session.execute(
            select(ChangeEntry.entity_id, ChangeEntry.field, func.count())
            .where(ChangeEntry.action == "update", ChangeEntry.after == '"高中"')
            .group_by(ChangeEntry.entity_id, ChangeEntry.field)
        ).all()
        assert [count for _id, _field, count in twice] == [1]

    # The county asks 界湖 to correct two of its people: one open, one sealed. Nothing changes at the county.
    open_one, sealed_one = _person(county, "界湖新户主"), _person(county, fx.NAMES[0])
    assert sealed_one.locked
    command = ["--db", str(county.path), "package", "request", "--id-number", str(open_one.id_number)]
    assert main([*command, "--field", "文化程度", "--value", "初中"]) == 0  # the command line, by the field's label
    assert "本站记录未改" in capsys.readouterr().out
    assert main([*command, "--field", "文化程度", "--value", "高中"]) == 1  # already so: refused, in Chinese
    assert "已是该值" in capsys.readouterr().err
    request_change(county, actor="县局", entity="person", entity_id=sealed_one.id, field="phone", value="13905392000")
    assert _person(county, "界湖新户主").education == "高中" and _person(county, fx.NAMES[0]).phone != "13905392000"
    _path, asked = net.send(county, jie)
    assert asked is not None and asked.issues == Counter({"proposal": 1, "correction": 1}), asked.issues
    _path, told = net.send(county, an)  # nothing of 界湖's goes to 岸堤
    assert told is not None and not told.issues
    assert decide_all(jie, "站长") == {"proposal:accept": 1, "correction:reject": 1}  # education: accepted

    for _round in range(2):
        for station, laptop in ((jie, jie_village), (an, an_village)):
            net.send(laptop, station)
            net.send(station, laptop)
            net.send(station, county)
            net.send(county, station)
    assert _person(county, "界湖新户主").education == "初中"  # the township's decision came back up
    assert _person(county, fx.NAMES[0]).phone != "13905392000"  # refused: the sealed record stands
    assert _person(jie_village, "界湖新户主").education == "初中"

    whole = dump(county)
    made_by = _made_by(county)
    county_id = _own(county).id
    for station, laptop in ((jie, jie_village), (an, an_village)):
        part = _part(whole, made_by, {county_id, _own(station).id, _own(laptop).id})
        _same(part, dump(station))
        assert dump(station) == part == dump(laptop)
    assert len(whole["household"]) == 6 and len(whole["region"]) == 5  # the union
    with jie.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Household)) == 3  # only its own
    for database in (county, jie, an, jie_village, an_village):
        assert list_issues(database) == [], [(i.kind, i.record) for i in list_issues(database)]
    # Both stations sealed their sheet № 1 of the year: each under its own 填表单位, and sealed sheets
    # never travel in packages, so the numbers cannot collide.
    numbers = []
    for station in (jie, an, county):
        with station.session_factory() as session:
            numbers += [(s.unit_name, s.year, s.number) for s in session.scalars(select(Submission))]
    assert len(numbers) == len(set(numbers)) == 2 and {n for _u, _y, n in numbers} == {1}
    for database in (county, jie, an, jie_village, an_village):
        database.dispose()


def test_the_county_asks_for_a_correction_from_the_exchange_page(qtbot: QtBot, tmp_path: Path) -> None:
    """申请更正… on the county's 数据交换 page: a bad 身份证号 or an empty value is refused in the dialog with
    nothing written; a good request leaves the county's record as it is and reaches the township's station,
    in the package the page exports to it, as a proposal for a person there."""
    from fupin_desktop.ui.context import AppContext
    from fupin_desktop.ui.exchange_page import ExchangePage
    from tests.test_exchange_page import _wait_tasks

    county = _county(tmp_path)
    jie, jie_village = _township(county, tmp_path, "界湖", 0)
    full = export_package(jie, actor="站长", out=tmp_path / "full-jie.fupinpkg")
    import_package(county, actor="县局", path=full.path)
    with county.session_factory() as session:
        asked_about = session.scalars(select(Person).where(Person.locked.is_(False)).order_by(Person.name)).first()
        assert asked_about is not None
        logged = session.scalar(select(func.count()).select_from(ChangeEntry))
    was = asked_about.education

    station_page = ExchangePage(AppContext(jie))
    qtbot.addWidget(station_page)
    station_page.show()
    assert not station_page.request_holder.isVisible()  # a township changes its own records
    page = ExchangePage(AppContext(county))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    assert page.request_holder.isVisible() and page.request_button.isVisible()

    dialog = page.open_request_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.id_number, "371321199901019999")
    dialog.look_up()
    assert "没有身份证号为" in dialog.message.text() and dialog.message.isVisible()
    dialog.id_number.clear()
    qtbot.keyClicks(dialog.id_number, str(asked_about.id_number).lower())  # a lower-case x is still found
    assert dialog.look_up() is not None and asked_about.name in dialog.who.text()
    dialog.field.setCurrentIndex(dialog.field.findData("education"))
    assert dialog.current.text() == (was or "（无）")
    completer = dialog.value.completer()
    assert completer is not None and "初中" in completer.model().stringList()  # type: ignore[attr-defined]
    assert [dialog.field.itemData(i) for i in range(dialog.field.count())][:2] == ["name", "id_number"]
    dialog.ok_button.click()  # no value yet
    assert "申请改为的值" in dialog.message.text() and dialog.requested is None
    wanted = "初中" if was != "初中" else "高中"
    if was:
        dialog.value.setText(was)  # already so: refused in Chinese
        dialog.ok_button.click()
        assert "已是该值" in dialog.message.text() and dialog.requested is None
    with county.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ChangeEntry)) == logged  # nothing written
    dialog.value.setText("博士后")  # not in the 文化程度 code list: refused, as the person form would
    dialog.ok_button.click()
    assert "代码表" in dialog.message.text() and dialog.requested is None
    from PySide6.QtCore import Qt

    dialog.message.setVisible(False)
    dialog.value.clear()
    qtbot.waitExposed(dialog)
    dialog.value.setFocus()
    qtbot.keyClicks(dialog.value, "xyz")  # typed (QTest types ASCII only): the code list pops up
    assert completer.popup().isVisible()
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)  # Enter, nothing chosen in it: submitted, and refused
    assert not completer.popup().isVisible() and dialog.message.isVisible() and "代码表" in dialog.message.text()
    dialog.value.setText(wanted)
    dialog.grab().save(str(tmp_path / "request-dialog.png"))
    dialog.ok_button.click()
    assert dialog.requested is not None and dialog.result() == dialog.DialogCode.Accepted
    page.said_requested(dialog.requested)
    assert "本站记录未改" in page.status.text()
    assert page.tabs.currentWidget() is page.history_table
    shown = page.history.record(0)
    before = dialog.requested.before
    assert (shown.direction, shown.summary) == ("申请更正", f"{asked_about.name} 文化程度：{before} → {wanted}")
    assert shown.site.startswith("待发出")
    page.grab().save(str(tmp_path / "county-exchange.png"))
    assert _person(county, asked_about.name).education == was  # the county's copy waits for the decision

    out = tmp_path / "county-to-jie.fupinpkg"
    page.receiver.setCurrentIndex(page.receiver.findData(_own(jie).name))
    page.export_to(out, page.receiver.currentData())
    _wait_tasks(qtbot)
    assert out.exists() and "已导出" in page.status.text()
    assert next(e for e in page.history.rows() if e.direction == "申请更正").site.startswith("已随数据包发出")
    arrived = import_package(jie, actor="界湖站长", path=out)
    assert arrived.issues == Counter({"proposal": 1}), arrived.issues
    proposal = next(i for i in list_issues(jie) if i.kind == "proposal")
    assert (proposal.entity_id, proposal.field, proposal.theirs) == (asked_about.id, "education", wanted)
    assert proposal.choices == ("accept", "reject")
    for database in (county, jie, jie_village):
        database.dispose()


def test_a_county_does_not_change_a_township_s_records_it_asks_for_a_correction(tmp_path: Path) -> None:
    """At the county, 修改成员 or a new member of a township's household is refused, saying that the county
    asks the township (申请更正…), and nothing changes; a household the county made itself it may change."""
    from fupin_desktop.services.errors import PermissionDenied
    from fupin_desktop.services.households import edit_person, person_facts, register_person

    county = _county(tmp_path)
    jie, _laptop = _township(county, tmp_path, "界湖", 0)
    full = export_package(jie, actor="站长", out=tmp_path / "full-jie.fupinpkg")
    import_package(county, actor="县局", path=full.path)
    before = dump(county)
    someone = _person(county, fx.NAMES[2])
    with pytest.raises(PermissionDenied, match=r"县局不能直接登记或修改农户和成员.*申请更正"):
        facts = replace(person_facts(someone), phone="13905397777")
        edit_person(county, actor="县局", person_id=someone.id, facts=facts, on=TODAY)
    with pytest.raises(PermissionDenied, match="申请更正"):
        child = person("县里加的", "之子", date(2003, 1, 1), 77)
        register_person(county, actor="县局", household_id=someone.household_id, facts=child, on=TODAY)
    assert dump(county) == before
    with county.session_factory() as session:
        village = session.scalars(select(Household.village_id).where(Household.id == someone.household_id)).one()
    family = replace(household("371312100001099", person("县局户主", "户主", date(1970, 2, 2), 78)), card_no="")
    register_household(county, actor="县局", village_id=village, facts=family)
    head = _person(county, "县局户主")
    facts = replace(person_facts(head), phone="13905398888")
    edit_person(county, actor="县局", person_id=head.id, facts=facts, on=TODAY)  # its own household: it may
    assert _person(county, "县局户主").phone == "13905398888"
    for database in (county, jie, _laptop):
        database.dispose()
