"""Duplicates across sites: the same household entered on two village laptops while apart, and the same
village or 村民小组 added at two sites. Each is shown at the station as a possible duplicate to merge —
never silently two records, never silently one — and after the merge and every exchange both ways the
three databases hold the same data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.idnumber import make_id_number
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import register_household
from fupin_desktop.services.intentions import IntentionInput, register_intention
from fupin_desktop.services.package_decisions import NumberCorrection, decide_issue, list_issues
from fupin_desktop.services.packages import export_package, import_package
from fupin_desktop.services.regions import add_region
from fupin_desktop.services.visits import VisitInput, save_visit
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import AuditEntry, Household, Intention, Person, Region, Visit
from tests.conftest import AREA, TODAY, household, person
from tests.test_packages import _introduce, _open
from tests.test_three_sites import Net, _laptop, _same, _station, decide_all, dump

WEST = "371321001003"


def _household_of(database: Database, number: str) -> Household | None:
    with database.session_factory() as session:
        found = session.scalars(select(Person).where(Person.id_number == number)).one_or_none()
        return session.get(Household, found.household_id) if found is not None else None


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(Person).where(*where)) or 0)


def _one_household(database: Database, number: str, gone_number: str | None) -> None:
    """The family is one household under the first 户编号, with every member, visit and intention of both."""
    kept = _household_of(database, number)
    assert kept is not None
    assert (kept.household_no, kept.member_count, kept.head_name) == ("3713210010010007", 3, "孙立国")
    with database.session_factory() as session:
        households = [h.household_no for h in session.scalars(select(Household))]
        assert households.count("3713210010010007") == 1 and (gone_number is None or gone_number not in households)
        everyone = session.execute(select(Person.id, Person.name, Person.household_id))
        members = {name: (pid, hid) for pid, name, hid in everyone}
        assert {members[name][1] for name in ("孙立国", "周桂兰", "孙小军")} == {kept.id}
        assert _count(session, Person.name == "孙立国") == 1
        head = session.scalars(select(Person).where(Person.id_number == number)).one()
        assert head.phone == "13905398888"  # the blank filled from 乙's
        held = dict(session.execute(select(Intention.occupation, Intention.person_id)).all())
        assert held == {"焊工": head.id, "电工": members["孙小军"][0]}  # the head's now on the kept head
        visits = list(session.scalars(select(Visit.household_id).where(Visit.household_id == kept.id)))
        assert len(visits) == 2  # 甲's and 乙's


@pytest.mark.parametrize(
    ("their_number", "first"),
    [("3713210010010017", "household"), ("3713210010010017", "person"), ("3713210010010007", "household")],
)
def test_the_same_household_entered_on_two_laptops_is_merged_at_the_station_and_everywhere(
    tmp_path: Path, their_number: str, first: str
) -> None:
    """Under another 户编号 or the same one; the households merged at once, or the heads first."""
    station, north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    for laptop in (a, b):
        net.send(laptop, station)
    head = person("孙立国", "户主", date(1975, 4, 9), 61)
    number = head.id_number
    mine = household("3713210010010007", head, person("周桂兰", "配偶", date(1976, 8, 2), 62))
    theirs = household(
        their_number,
        replace(head, phone="13905398888"),
        person("孙小军", "之子", date(2003, 1, 15), 63),
    )
    made_a = register_household(a, actor="甲录入", village_id=north, facts=replace(mine, card_no="")).id
    made_b = register_household(b, actor="乙录入", village_id=north, facts=replace(theirs, card_no="")).id
    with b.session_factory() as session:
        son = session.scalars(select(Person.id).where(Person.name == "孙小军")).one()
        b_head = session.scalars(select(Person.id).where(Person.id_number == number)).one()
    for who, occupation in ((son, "电工"), (b_head, "焊工")):
        told = IntentionInput("training", occupation=occupation, training_type="02", referral_source="village")
        register_intention(b, actor="乙录入", person_id=who, data=told)
    save_visit(a, actor="甲录入", household_id=made_a, visit=VisitInput(TODAY, "甲录入", "入户"))
    save_visit(b, actor="乙录入", household_id=made_b, visit=VisitInput(TODAY, "乙录入", "入户"))

    net.send(a, station)
    assert list_issues(station) == []
    _path, from_b = net.send(b, station)
    assert from_b is not None
    shown = {i.entity: i for i in list_issues(station) if i.kind == "duplicate"}
    assert set(from_b.issues) == {"duplicate"} and set(shown) == {"household", "person"}, from_b.issues
    both = shown["household"]  # side by side: the two 户编号 and each household's members
    assert both.choices == ("merge", "ours", "theirs", "apart") and both.record.startswith(f"户编号 {their_number}")
    if their_number != mine.household_no:
        assert "户编号：3713210010010007" in both.ours and f"户编号：{their_number}" in both.theirs
    assert "周桂兰（配偶）" in both.ours and "孙小军（之子）" in both.theirs and "孙小军" not in both.ours
    assert "户编号 3713210010010007" in shown["person"].ours  # the head's household by its number, not an id
    with station.session_factory() as session:  # kept apart until a person decides: the head's 身份证号 once
        assert session.scalar(select(func.count()).select_from(Person).where(Person.id_number == number)) == 1
        assert session.scalar(select(func.count()).select_from(Intention)) == 2  # nothing of 乙's was lost

    decide_issue(station, actor="站长", issue_id=shown[first].id, decision="merge")
    if first == "household":
        assert [i.kind for i in list_issues(station)] == []  # the heads were merged with their households
    assert decide_all(station, "站长") == ({} if first == "household" else {"duplicate:merge": 1})
    for _round in range(2):
        for laptop in (a, b):
            net.send(station, laptop)
            net.send(laptop, station)
            decide_all(station, "站长")
    _same(dump(station), dump(a))
    _same(dump(station), dump(b))
    assert dump(station) == dump(a) == dump(b)
    for database in (station, a, b):
        assert list_issues(database) == []
        _one_household(database, number, their_number if their_number != mine.household_no else None)
    with station.session_factory() as session:
        audited = select(AuditEntry).where(AuditEntry.action == "decide", AuditEntry.entity == "household")
        decided = list(session.scalars(audited))
    assert len(decided) == 1 and decided[0].entity_id == made_b
    for database in (station, a, b):
        database.dispose()


def test_two_families_under_one_household_number_are_kept_apart_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """不是同一户 (here with ``package decide --choice apart``): both households stay with their own members,
    the one that arrived gets the village's next 户编号, and that travels: after exchanges both ways the three
    databases are equal and hold both families, under two numbers."""
    from fupin_desktop.cli import main

    station, north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    for laptop in (a, b):
        net.send(laptop, station)
    sun = household("3713210010010007", person("孙立国", "户主", date(1975, 4, 9), 61),
                    person("周桂兰", "配偶", date(1976, 8, 2), 62))  # fmt: skip
    li = household("3713210010010007", person("李春生", "户主", date(1968, 2, 1), 64),
                   person("李小梅", "之女", date(1999, 6, 6), 65))  # fmt: skip
    register_household(a, actor="甲录入", village_id=north, facts=replace(sun, card_no=""))
    made_b = register_household(b, actor="乙录入", village_id=north, facts=replace(li, card_no="")).id
    net.send(a, station)
    net.send(b, station)
    shown = [i for i in list_issues(station) if i.kind == "duplicate"]
    assert [(i.entity, i.choices) for i in shown] == [("household", ("merge", "ours", "theirs", "apart"))]
    capsys.readouterr()
    assert main(["--db", str(station.path), "package", "decide", str(shown[0].id)[:8], "--choice", "apart"]) == 0
    assert "不是同一户" in capsys.readouterr().out
    assert list_issues(station) == []
    with station.session_factory() as session:
        assert session.get(Household, made_b).household_no == "3713210010010008"  # type: ignore[union-attr]

    for _round in range(2):
        for laptop in (a, b):
            net.send(station, laptop)
            net.send(laptop, station)
    _same(dump(station), dump(a))
    _same(dump(station), dump(b))
    assert dump(station) == dump(a) == dump(b)
    for database in (station, a, b):
        assert list_issues(database) == []
        with database.session_factory() as session:
            families = {h.household_no: (h.head_name, h.member_count) for h in session.scalars(select(Household))}
            assert families["3713210010010007"] == ("孙立国", 2)
            assert families["3713210010010008"] == ("李春生", 2)
            assert _household_of(database, li.members[1].id_number).household_no == "3713210010010008"  # type: ignore[union-attr]
    with station.session_factory() as session:
        audited = {
            (e.action, e.field, e.new_value)
            for e in session.scalars(select(AuditEntry).where(AuditEntry.entity_id == made_b))
        }
    assert ("decide", None, "不是同一户") in audited  # the question closed, and by whom: in the audit trail
    assert ("update", "household_no", "3713210010010008") in audited
    for database in (station, a, b):
        database.dispose()


def _field_laptop(station: Database, folder: Path) -> Database:
    """A field clerk's laptop made from the station's full package and not told its village: it keeps
    field records anywhere (domain/ownership.py), and nothing else."""
    laptop = _open(folder / "外业.db", "外业录入", "外业笔记本")
    _introduce(station, laptop, folder)
    full = export_package(station, actor="站长", out=folder / "full-外业.fupinpkg")
    import_package(laptop, actor="外业录入", path=full.path)
    return laptop


def _regions(database: Database) -> list[tuple[str | None, str]]:
    with database.session_factory() as session:
        return sorted(((code, name) for code, name in session.execute(select(Region.code, Region.name))), key=str)


@pytest.mark.parametrize("their_code", [WEST, "371321001004"])  # the same 区划代码, or the same name only
def test_a_village_added_at_two_sites_is_merged_and_a_laptops_new_village_is_a_proposal(
    tmp_path: Path, their_code: str
) -> None:
    station, _north, _south = _station(tmp_path)
    field, a = _field_laptop(station, tmp_path), _laptop(station, tmp_path, "甲")
    net = Net(tmp_path)
    for laptop in (field, a):
        net.send(laptop, station)
    ours = add_region(station, actor="站长", code=WEST, name="西村")
    theirs = add_region(field, actor="外业录入", code=their_code, name="西村")
    family = household("3713210010030001", person("钱进", "户主", date(1980, 9, 9), 71))
    made = register_household(field, actor="外业录入", village_id=theirs.id, facts=family).id
    add_region(a, actor="甲录入", code="371321001005", name="东村")  # a region only the station may add

    _path, from_field = net.send(field, station)
    _path, from_a = net.send(a, station)
    assert from_field is not None and from_a is not None
    assert from_field.issues == {"duplicate": 1} and from_a.issues == {"proposal": 1}
    asked = {i.kind: i for i in list_issues(station)}
    assert set(asked) == {"duplicate", "proposal"}
    same = asked["duplicate"]
    assert (same.entity, same.record, same.choices) == ("region", "西村", ("merge", "ours", "theirs"))
    assert asked["proposal"].entity == "region" and asked["proposal"].choices == ("accept", "reject")
    assert ("371321001005", "东村") not in _regions(station)  # a proposal is not applied by itself
    with station.session_factory() as session:  # the household arrived, in the village waiting to be merged
        assert session.get(Household, made) is not None

    assert decide_all(station, "站长") == {"duplicate:merge": 1, "proposal:reject": 1}
    for _round in range(2):
        for laptop in (field, a):
            net.send(station, laptop)
            net.send(laptop, station)
            decide_all(station, "站长")
    _same(dump(station), dump(field))
    _same(dump(station), dump(a))
    assert dump(station) == dump(field) == dump(a)
    for database in (station, field, a):
        assert list_issues(database) == []
        names = [name for _code, name in _regions(database)]
        assert names.count("西村") == 1 and "东村" not in names  # one 西村, under the station's code
        with database.session_factory() as session:
            west = session.scalars(select(Region).where(Region.name == "西村")).one()
            assert west.id == ours.id and west.code == WEST
            assert session.get(Household, made).village_id == ours.id  # type: ignore[union-attr]
    for database in (station, field, a):
        database.dispose()


def test_the_exchange_page_shows_two_households_side_by_side_and_merges_them(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin_desktop.ui.context import AppContext
    from fupin_desktop.ui.exchange_page import ExchangePage
    from tests.test_exchange_page import _wait_tasks

    station, north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    head = person("孙立国", "户主", date(1975, 4, 9), 61)
    mine = household("3713210010010007", head, person("周桂兰", "配偶", date(1976, 8, 2), 62))
    theirs = household("3713210010010017", head, person("孙小军", "之子", date(2003, 1, 15), 63))
    register_household(a, actor="甲录入", village_id=north, facts=replace(mine, card_no=""))
    register_household(b, actor="乙录入", village_id=north, facts=replace(theirs, card_no=""))
    net.send(a, station)
    net.send(b, station)

    page = ExchangePage(AppContext(station))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.refresh()
    _wait_tasks(qtbot)
    row = next(
        r
        for r in range(page.issues.rowCount())
        if page.issues.record(r).kind == "duplicate" and page.issues.record(r).entity == "household"
    )
    page.issue_table.selectRow(row)
    assert "周桂兰（配偶）" in page.detail.values["ours"].text()
    assert "孙小军（之子）" in page.detail.values["theirs"].text()
    page.grab().save(str(tmp_path / "exchange-household.png"))
    assert page.decision_buttons["merge"].isEnabled()
    monkeypatch.setattr(page, "confirm", lambda text: "合并" in text)  # the 是/否 box, answered 是
    page.decision_buttons["merge"].click()
    _wait_tasks(qtbot)
    kept = _household_of(station, head.id_number)
    assert kept is not None and kept.member_count == 3 and kept.household_no == "3713210010010007"
    assert list_issues(station) == []
    for database in (station, a, b):
        database.dispose()


def test_the_exchange_page_keeps_two_households_apart_and_scrolls_a_long_member_list(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin_desktop.ui.context import AppContext
    from fupin_desktop.ui.exchange_page import ExchangePage
    from tests.test_exchange_page import _wait_tasks

    station, north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    sun = household("3713210010010007", person("孙立国", "户主", date(1975, 4, 9), 61))
    children = [person(f"李{name}", "之子", date(1990 + i, 1, 1), 70 + i) for i, name in enumerate("一二三四五六七八")]
    li = household("3713210010010007", person("李春生", "户主", date(1950, 2, 1), 64), *children)
    register_household(a, actor="甲录入", village_id=north, facts=replace(sun, card_no=""))
    made_b = register_household(b, actor="乙录入", village_id=north, facts=replace(li, card_no="")).id
    net.send(a, station)
    net.send(b, station)

    page = ExchangePage(AppContext(station))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    _wait_tasks(qtbot)
    page.issue_table.selectRow(0)
    assert page.selected_issue() is not None and page.selected_issue().entity == "household"  # type: ignore[union-attr]
    assert "同一户编号" in page.detail.note.text() and "身份证号" not in page.detail.note.text()
    assert page.decision_buttons["merge"].text() == "合并为同一户"
    assert "李八（之子）" in page.detail.values["theirs"].text()
    page.grab().save(str(tmp_path / "exchange-apart.png"))
    assert page.detail.boxes["theirs"].widget() is page.detail.values["theirs"]
    page.resize(1100, 520)  # a smaller window: the long member list scrolls in its box instead of being cut off
    qtbot.waitUntil(lambda: page.detail.boxes["theirs"].verticalScrollBar().isVisible())
    assert page.issues.data(page.issues.index(0, 4)).startswith("成员：李春生（户主）；李一（之子）")
    page.grab().save(str(tmp_path / "exchange-apart-small.png"))
    asked: list[str] = []
    monkeypatch.setattr(page, "confirm", lambda text: asked.append(text) or True)
    page.decision_buttons["apart"].click()
    _wait_tasks(qtbot)
    assert "不是同一户" in asked[0] and "下一个户编号" in asked[0]
    assert "已不是同一户" in page.status.text() or "不是同一户" in page.status.text()
    assert list_issues(station) == [] and page.issues.rowCount() == 0
    with station.session_factory() as session:
        kept_apart = session.get(Household, made_b)
        assert kept_apart is not None and (kept_apart.household_no, kept_apart.member_count) == ("3713210010010008", 9)
    for database in (station, a, b):
        database.dispose()


@pytest.mark.parametrize(("first", "wrong"), [("household", "theirs"), ("person", "ours")])
def test_two_households_whose_heads_share_one_number_are_kept_apart_with_the_wrong_number_corrected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first: str, wrong: str
) -> None:
    """不是同一户 for two households whose 户主 share a 身份证号 (or 不是同一人 for the two heads): one number is one
    person, so the clerk says whose number is wrong and types the right one. Without it nothing is written;
    with it both households stay, the heads have their own numbers, both questions close, and after the
    exchanges every site holds the same and has nothing left to decide."""
    station, north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    head = person("孙立国", "户主", date(1975, 4, 9), 61)
    shared = head.id_number
    mine = household("3713210010010007", head, person("周桂兰", "配偶", date(1976, 8, 2), 62))
    theirs = household(
        "3713210010010017", replace(head, name="孙立果"), person("孙小军", "之子", date(2003, 1, 15), 63)
    )
    register_household(a, actor="甲录入", village_id=north, facts=replace(mine, card_no=""))
    made_b = register_household(b, actor="乙录入", village_id=north, facts=replace(theirs, card_no="")).id
    net.send(a, station)
    net.send(b, station)
    shown = {i.entity: i for i in list_issues(station)}
    assert shown["household"].reason == "head" and "apart" in shown["household"].choices
    assert shown["person"].choices == ("merge", "ours", "theirs", "apart")
    for view in shown.values():  # both say the number is shared (masked) and whose it could be
        assert view.shared_number == shared[:6] + "********" + shared[-4:]
        assert view.wrong_names == ("孙立国（户编号 3713210010010007）", "孙立果（户编号 3713210010010017）")
    before = dump(station)
    with pytest.raises(ServiceError, match=r"身份证号相同.*一个身份证号只属于一个人"):
        decide_issue(station, actor="站长", issue_id=shown[first].id, decision="apart")
    with pytest.raises(ServiceError, match="正确的身份证号"):
        decide_issue(station, actor="站长", issue_id=shown[first].id, decision="apart",
                     correction=NumberCorrection(wrong, shared[:-1] + ("0" if shared[-1] != "0" else "1")))  # fmt: skip
    with pytest.raises(ServiceError, match="与两人现有的相同"):
        decide_issue(station, actor="站长", issue_id=shown[first].id, decision="apart",
                     correction=NumberCorrection(wrong, shared))  # fmt: skip
    assert dump(station) == before and len(list_issues(station)) == 2  # refused: nothing written

    right = make_id_number(AREA, date(1977, 6, 3), 65)
    corrected = "孙立果" if wrong == "theirs" else "孙立国"
    if first == "household":
        decide_issue(
            station, actor="站长", issue_id=shown[first].id, decision="apart", correction=NumberCorrection(wrong, right)
        )
    else:  # the command: refused (exit 1, a Chinese message) without the number, done with it
        from fupin_desktop.cli import main

        command = ["--db", str(station.path), "package", "decide", str(shown[first].id)[:8], "--choice", "apart"]
        capsys.readouterr()
        assert main(["--db", str(station.path), "package", "issues"]) == 0
        listed = capsys.readouterr().out
        assert f"两人身份证号相同（{shared[:6]}********{shared[-4:]}）" in listed and "apart=不是同一人" in listed
        assert main(command) == 1 and "一个身份证号只属于一个人" in capsys.readouterr().err
        assert main([*command, "--wrong", wrong, "--id-number", right]) == 0
        assert "不是同一人" in capsys.readouterr().out
    assert list_issues(station) == []
    for _round in range(2):
        for laptop in (a, b):
            net.send(station, laptop)
            net.send(laptop, station)
    _same(dump(station), dump(a))
    _same(dump(station), dump(b))
    for database in (station, a, b):
        assert list_issues(database) == []
        with database.session_factory() as session:
            numbers = {h.household_no: h.member_count for h in session.scalars(select(Household))}
            heads = dict(session.execute(select(Person.name, Person.id_number).where(Person.relation == "户主")).all())
            fixed = session.scalars(select(Person).where(Person.name == corrected)).one()
        assert numbers["3713210010010007"] == 2 and numbers["3713210010010017"] == 2
        assert heads["孙立国" if wrong == "theirs" else "孙立果"] == shared and heads[corrected] == right
        assert (fixed.birth_date, fixed.sex) == (date(1977, 6, 3), "男" if int(right[16]) % 2 else "女")
    with station.session_factory() as session:
        assert session.get(Household, made_b).household_no == "3713210010010017"  # type: ignore[union-attr]
    for database in (station, a, b):
        database.dispose()


def test_the_exchange_page_asks_whose_number_is_wrong_before_keeping_two_heads_apart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """On the page, 不是同一户 for two households whose 户主 share a 身份证号 opens a dialog naming both heads:
    the right number is checked as it is typed, 取消 writes nothing, and 更正并分开保留 closes both questions."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel

    from fupin_desktop.ui.context import AppContext
    from fupin_desktop.ui.exchange_page import ExchangePage
    from tests.test_exchange_page import _wait_tasks

    station, north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    head = person("孙立国", "户主", date(1975, 4, 9), 61)
    register_household(
        a, actor="甲录入", village_id=north, facts=replace(household("3713210010010007", head), card_no="")
    )
    theirs = household("3713210010010017", replace(head, name="孙立果"))
    register_household(b, actor="乙录入", village_id=north, facts=replace(theirs, card_no=""))
    net.send(a, station)
    net.send(b, station)
    page = ExchangePage(AppContext(station))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    _wait_tasks(qtbot)
    row = next(r for r in range(page.issues.rowCount()) if page.issues.record(r).entity == "person")
    page.issue_table.selectRow(row)
    assert page.decision_buttons["apart"].text() == "不是同一人" and "须更正" in page.detail.note.text()
    page.grab().save(str(tmp_path / "exchange-heads.png"))
    row = next(r for r in range(page.issues.rowCount()) if page.issues.record(r).entity == "household")
    page.issue_table.selectRow(row)
    assert page.decision_buttons["apart"].text() == "不是同一户" and page.decision_buttons["apart"].isEnabled()
    assert "须更正" in page.detail.note.text()
    before = dump(station)
    right = make_id_number(AREA, date(1977, 6, 3), 65)
    seen: list[str] = []

    def answer(typed: str, accept: bool) -> None:
        dialog = page.correction_dialog
        try:
            seen.append(dialog.findChild(QLabel).text())  # type: ignore[union-attr]
            dialog.number.setText(typed[:-1] + ("0" if typed[-1] != "0" else "1"))  # a wrong check digit
            seen.append(dialog.message.text() + f"|{dialog.ok_button.isEnabled()}")
            dialog.number.setText(typed)
            dialog.grab().save(str(tmp_path / "number-dialog.png"))
            if accept and dialog.ok_button.isEnabled():
                dialog.ok_button.click()
        finally:  # never left open: its exec() would wait for ever
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, lambda: answer(right, accept=False))
    page.decision_buttons["apart"].click()
    _wait_tasks(qtbot)
    assert "孙立国（户编号 3713210010010007）" in seen[0] and "孙立果（户编号 3713210010010017）" in seen[0]
    assert "校验" in seen[1] and seen[1].endswith("|False")
    assert dump(station) == before and len(list_issues(station)) == 2  # 取消: nothing written

    QTimer.singleShot(0, lambda: answer(right, accept=True))
    page.decision_buttons["apart"].click()
    _wait_tasks(qtbot)
    assert list_issues(station) == [] and page.issues.rowCount() == 0
    assert "不是同一户" in page.status.text()
    with station.session_factory() as session:
        heads = dict(session.execute(select(Person.name, Person.id_number).where(Person.name.like("孙立%"))).all())
    assert heads == {"孙立国": head.id_number, "孙立果": right}
    for database in (station, a, b):
        database.dispose()
