"""Three sites, one truth: a station and two 北村 laptops made from it by full packages edit the same
households while apart; after every exchange has run both ways and a person has decided every question
(by a fixed rule here), the three databases hold the same data, and the audit trail holds every question
and every decision. Also: random edits on two laptops, exchanged and decided the same way, converge."""

from __future__ import annotations

import random
import uuid
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from fupin_desktop.services.households import (
    edit_person,
    person_facts,
    register_household,
    register_person,
    relocate_person,
    remove_person,
)
from fupin_desktop.services.package_decisions import decide_issue, list_issues
from fupin_desktop.services.packages import PackageImported, PackageRefused, export_package, import_package
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.sites import rename_own_site
from fupin_desktop.services.submissions import seal_sheet
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import AuditEntry, Household, Person, Site, SyncIssue
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY, household, person
from tests.test_packages import _introduce, _open
from tests.test_packages import dump as full_dump

NORTH, SOUTH = "371321001001", "371321001002"


def dump(database: Database) -> dict[str, list[dict[str, object]]]:
    """Every exchanged table, canonically; a member's place in the household's list (``sort_order``) is
    left out: each site keeps it in the order members arrived there, which is display, not data."""
    out = full_dump(database)
    out["person"] = [{k: v for k, v in row.items() if k != "sort_order"} for row in out["person"]]
    return out


def _person(database: Database, name: str) -> Person:
    with database.session_factory() as session:
        return session.scalars(select(Person).where(Person.name == name)).one()


def _edit(database: Database, actor: str, name: str, **fields: object) -> None:
    found = _person(database, name)
    edit_person(database, actor=actor, person_id=found.id, facts=replace(person_facts(found), **fields), on=TODAY)


def _own_name(database: Database) -> str:
    with database.session_factory() as session:
        return session.scalars(select(Site.name).where(Site.own.is_(True))).one()


class Net:
    """The sites and the sticks between them: every package written is kept, to re-use and to tamper with."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[Path] = []

    def send(self, sender: Database, receiver: Database, *, apply: bool = True) -> tuple[Path, PackageImported | None]:
        path = self.folder / f"{len(self.written):03d}.fupinpkg"
        export_package(sender, actor="交换", out=path, to=_own_name(receiver))
        self.written.append(path)
        return path, import_package(receiver, actor="交换", path=path) if apply else None


def decide_all(database: Database, actor: str) -> Counter[str]:
    """The fixed rule a person follows here: 合并 a duplicate, 采用本站 on a conflict, accept a proposal
    about education, refuse any other proposal and every correction of a sealed record."""
    taken: Counter[str] = Counter()
    while True:  # one at a time: a decision may settle others about the same record
        issue = next((i for i in list_issues(database) if i.choices), None)
        if issue is None:
            return taken
        if issue.kind == "duplicate":
            decision = "merge"
        elif issue.kind == "conflict":
            decision = "ours"
        elif issue.kind == "proposal":
            decision = "accept" if issue.field == "education" else "reject"
        else:
            decision = "reject"
        decide_issue(database, actor=actor, issue_id=issue.id, decision=decision)
        taken[f"{issue.kind}:{decision}"] += 1


def _station(folder: Path) -> tuple[Database, uuid.UUID, uuid.UUID]:
    station = _open(folder / "station.db", "站长", "沂南县界湖街道人力资源和社会保障所")
    fx.station(station)
    with UnitOfWork(station, "站长") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        north = create_region(uow, "北村", "village", township, NORTH)
        south = create_region(uow, "南村", "village", township, SOUTH)
        uow.commit()
    children = (
        person("张三丰", "户主", date(1970, 3, 7), 11),
        person("李秀英", "配偶", date(1972, 5, 1), 22),
        person("张小红", "之女", date(2004, 8, 8), 24, education="高中"),
    )
    register_household(
        station, actor="站长", village_id=north, facts=household("3713210010010001", *children), on=TODAY
    )
    zhao = replace(
        household(
            "3713210010010002",
            person("赵大", "户主", date(1966, 1, 5), 31),
            person("赵二", "之子", date(1990, 2, 6), 32),
        ),
        card_no="3713210010010002001",
    )
    register_household(station, actor="站长", village_id=north, facts=zhao, on=TODAY)
    wang = replace(
        household("3713210010020001", person("王大山", "户主", date(1968, 2, 3), 43)), card_no="3713210010020001001"
    )
    register_household(station, actor="站长", village_id=south, facts=wang, on=TODAY)
    return station, north, south


def _laptop(station: Database, folder: Path, name: str) -> Database:
    laptop = _open(folder / f"{name}.db", f"{name}录入", f"北村{name}笔记本")
    _introduce(station, laptop, folder)
    full = export_package(station, actor="站长", out=folder / f"full-{name}.fupinpkg")
    import_package(laptop, actor=f"{name}录入", path=full.path)
    rename_own_site(laptop, actor=f"{name}录入", kind="village", region_code=NORTH)
    return laptop


def _same(one: dict[str, list[dict[str, object]]], other: dict[str, list[dict[str, object]]]) -> None:
    """Equal dumps, or the first differing fields named (a readable failure)."""
    for table in one:
        left = {row["id"]: row for row in one[table]}
        right = {row["id"]: row for row in other[table]}
        assert left.keys() == right.keys(), (table, left.keys() ^ right.keys())
        for key, row in left.items():
            differing = {k: (v, right[key][k]) for k, v in row.items() if right[key][k] != v}
            assert not differing, (table, row.get("name"), differing)


def _audited(database: Database, action: str) -> list[AuditEntry]:
    with database.session_factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_three_sites_made_from_one_station_end_with_the_same_data(tmp_path: Path) -> None:
    station, north, _south = _station(tmp_path)
    fx.people(station, north, 2)
    with station.session_factory() as session:
        sealed_people = list(session.scalars(select(Person.id).where(Person.name.in_(fx.NAMES[:2]))))
    fx.intentions(station, sealed_people, "training", fx.PATH_TO_PASSED)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    for laptop in (a, b):  # the station learns the laptops, their village and their keys' packages
        net.send(laptop, station)
    with UnitOfWork(station, "站长") as uow:  # sealed at the station while the laptops are out
        seal_sheet(uow, SheetRequest("training_list"), tmp_path / "sealed", today=TODAY)
    sealed_name = _person(station, "王小明").name  # fx.people's first name, now locked
    assert _person(station, sealed_name).locked

    # Apart, in the field:
    _edit(a, "甲录入", "李秀英", work_place="江苏苏州", employment="省外务工", work_months=3)  # the same field …
    _edit(b, "乙录入", "李秀英", work_place="浙江宁波", employment="省外务工", work_months=3)  # … on both
    _edit(a, "甲录入", "张三丰", phone="13905390001")  # different fields of one person
    _edit(b, "乙录入", "张三丰", education="高中")
    remove_person(a, actor="甲录入", person_id=_person(a, "张小红").id)  # a delete against an edit
    _edit(b, "乙录入", "张小红", phone="13905390002")
    target = _person(a, "张三丰").household_id  # a move on one side, an edit on the other
    relocate_person(a, actor="甲录入", person_id=_person(a, "赵二").id, target_household_id=target, relation="之子")
    _edit(b, "乙录入", "赵二", phone="13905390003")
    child = person("张小明", "之子", date(2001, 6, 9), 33)  # the same new person on both laptops
    register_person(a, actor="甲录入", household_id=target, facts=child, on=TODAY)
    register_person(b, actor="乙录入", household_id=target, facts=replace(child, phone="13905390004"), on=TODAY)
    _edit(a, "甲录入", "王大山", phone="13905390005", education="小学")  # 南村: not 甲's to change
    _edit(a, "甲录入", sealed_name, phone="13905390006")  # sealed at the station meanwhile

    # B comes back first, then A.
    _path, from_b = net.send(b, station)
    assert from_b is not None and not from_b.issues
    repeated, from_a = net.send(a, station)
    assert from_a is not None
    assert from_a.issues == Counter({"conflict": 2, "duplicate": 1, "proposal": 2, "correction": 1}), from_a.issues
    assert _person(station, "王大山").phone != "13905390005"  # a proposal is not applied by itself
    assert _person(station, sealed_name).phone != "13905390006"  # nor a change to a sealed record
    before = dump(station)
    again = import_package(station, actor="交换", path=repeated)  # applied twice: nothing changes
    assert again.applied == 0 and dump(station) == before

    # A tampered package and one from a site nobody registered are refused whole.
    tampered = tmp_path / "tampered.fupinpkg"
    with zipfile.ZipFile(repeated) as source, zipfile.ZipFile(tampered, "w") as copy:
        for name in source.namelist():
            data = source.read(name)
            if name == "changes.bin":  # encrypted to the station: one byte of it flipped
                data = data[:40] + bytes([data[40] ^ 1]) + data[41:]
            copy.writestr(name, data)
    with pytest.raises(PackageRefused, match="无法解密"):
        import_package(station, actor="交换", path=tampered)
    stranger = _open(tmp_path / "stranger.db", "外人", "别的人社所")
    export_package(stranger, actor="外人", out=tmp_path / "stranger.fupinpkg")
    stranger.dispose()
    with pytest.raises(PackageRefused, match="未登记的站点"):
        import_package(station, actor="交换", path=tmp_path / "stranger.fupinpkg")
    assert dump(station) == before

    taken = decide_all(station, "站长")
    assert taken == Counter({
        "conflict:ours": 2, "duplicate:merge": 1, "proposal:accept": 1, "proposal:reject": 1, "correction:reject": 1,
    })  # fmt: skip

    # Out of order: B gets the station's newer package first; the older one then brings nothing new.
    older, _none = net.send(station, b, apply=False)
    _edit(station, "站长", "赵大", phone="13905390007")
    net.send(station, b)
    late = import_package(b, actor="交换", path=older)
    assert late.applied == 0
    for _round in range(2):  # every exchange both ways, a person deciding what arrives
        for laptop in (a, b):
            net.send(station, laptop)
            decide_all(laptop, "录入")
            net.send(laptop, station)
            decide_all(station, "站长")

    _same(dump(station), dump(a))
    _same(dump(station), dump(b))
    assert dump(station) == dump(a) == dump(b)
    for database in (station, a, b):
        assert list_issues(database) == [], [(i.kind, i.record, i.field) for i in list_issues(database)]
    merged = _person(station, "张小明")
    assert (merged.phone, merged.household_id) == ("13905390004", target)  # one person, blanks filled from 乙
    assert _person(a, "张小红").phone == "13905390002"  # the edited member came back to 甲, with the edit
    assert _person(a, "赵二").household_id == target and _person(a, "赵二").phone == "13905390003"
    assert _person(a, "王大山").education == "小学" and _person(a, "王大山").phone != "13905390005"
    assert _person(a, sealed_name).locked and _person(a, sealed_name).phone != "13905390006"
    assert _person(a, "李秀英").work_place == "浙江宁波"  # 乙's arrived first and the station kept it
    with station.session_factory() as session:
        issues = list(session.scalars(select(SyncIssue)))
    assert issues and all(issue.resolved_at is not None and issue.resolution for issue in issues)
    asked = {(e.entity_id, e.field) for e in _audited(station, "sync")}
    decided = {(e.entity_id, e.field) for e in _audited(station, "decide")}
    assert {(i.entity_id, i.field) for i in issues if i.kind != "elsewhere"} <= asked
    assert decided and decided <= asked
    for database in (station, a, b):
        database.dispose()


FIELDS = {
    "phone": lambda r: f"139{r.randrange(10**8):08d}",
    "work_place": lambda r: r.choice(["江苏苏州", "浙江宁波", "山东济南", "广东深圳"]),
    "education": lambda r: r.choice(["小学", "初中", "高中"]),
}


def _random_edits(database: Database, actor: str, rng: random.Random, households: list[uuid.UUID], n: int) -> None:
    for _step in range(n):
        with database.session_factory() as session:
            people = list(session.scalars(select(Person).order_by(Person.name)))
        roll = rng.random()
        if roll < 0.7 and people:
            found = rng.choice(people)
            name = rng.choice(sorted(FIELDS))
            value = FIELDS[name](rng)
            extra = {"employment": "省外务工", "work_months": 3} if name == "work_place" else {}
            facts = replace(person_facts(found), **{name: value}, **extra)
            edit_person(database, actor=actor, person_id=found.id, facts=facts, on=TODAY)
        elif roll < 0.85:
            number = 40 + rng.randrange(6)  # a small pool: the same new person may appear on both sides
            facts = person(f"新成员{number}", "之子", date(2000, 1 + number % 12, 3), number)
            try:
                register_person(database, actor=actor, household_id=rng.choice(households), facts=facts, on=TODAY)
            except Exception:  # the same 身份证号 already here: the service refuses it, as it should
                continue
        else:
            members = [p for p in people if p.relation != "户主"]
            if members:
                remove_person(database, actor=actor, person_id=rng.choice(members).id)


@pytest.mark.parametrize(("seed", "edits"), [(1, 6), (2, 6), (3, 30), (6, 30), (9, 30)])  # 30: bulk reads
def test_random_edits_on_two_laptops_converge_once_decided(tmp_path: Path, seed: int, edits: int) -> None:
    station, _north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    for laptop in (a, b):
        net.send(laptop, station)
    with station.session_factory() as session:
        households = list(session.scalars(select(Household.id).order_by(Household.household_no)))[:2]  # 北村
    rng = random.Random(seed)
    for _day in range(3):  # three days apart, each ending with an exchange both ways
        _random_edits(a, "甲录入", rng, households, edits)
        _random_edits(b, "乙录入", rng, households, edits)
        for laptop in (b, a):
            net.send(laptop, station)
            decide_all(station, "站长")
        for laptop in (a, b):
            net.send(station, laptop)
            decide_all(laptop, "录入")
    for _round in range(3):
        for laptop in (a, b):
            net.send(laptop, station)
            decide_all(station, "站长")
            net.send(station, laptop)
            decide_all(laptop, "录入")
    _same(dump(station), dump(a))
    _same(dump(station), dump(b))
    assert list_issues(station) == list_issues(a) == list_issues(b) == []
    with station.session_factory() as session:
        asked = Counter(session.scalars(select(SyncIssue.kind)))
    assert asked["conflict"] + asked["duplicate"] > 0, asked  # the edits did collide: a test that can fail
    for database in (station, a, b):
        database.dispose()


def test_the_command_line_lists_and_decides_a_conflict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fupin_desktop.cli import main

    station, _north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    _edit(a, "甲录入", "李秀英", phone="13905391111")
    _edit(b, "乙录入", "李秀英", phone="13905392222")
    net.send(b, station)
    net.send(a, station)
    capsys.readouterr()
    assert main(["--db", str(station.path), "package", "issues"]) == 0
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if "冲突" in line]
    assert "13905391111" in line and "13905392222" in line and "甲录入" in line and "theirs=采用对方" in out
    short = line.split()[0]
    assert main(["--db", str(station.path), "package", "decide", short, "--choice", "theirs"]) == 0
    assert "已采用对方" in capsys.readouterr().out
    assert _person(station, "李秀英").phone == "13905391111"
    assert main(["--db", str(station.path), "package", "decide", short, "--choice", "ours"]) == 1
    assert "待处理事项没有" in capsys.readouterr().err
    assert main(["--db", str(station.path), "package", "issues"]) == 0
    assert "没有待处理的冲突" in capsys.readouterr().out
    for laptop in (a, b):
        net.send(station, laptop)
    assert _person(b, "李秀英").phone == "13905391111" and list_issues(b) == []
    for database in (station, a, b):
        database.dispose()
