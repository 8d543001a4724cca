"""Data packages between sites: a station and two laptops made from it by full packages, exchanging
incremental packages; edits merge field by field, a same-field edit is kept as a conflict, nothing is
applied twice, and a package out of order, tampered with or from an unknown site is refused whole."""

from __future__ import annotations

import json
import uuid
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from unittest.mock import patch

import pytest
from sqlalchemy import select, text

from fupin_desktop.cli import main
from fupin_desktop.domain import packages
from fupin_desktop.domain.accounts import Actor, Role
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import edit_person, person_facts, register_household, register_person
from fupin_desktop.services.packages import PackageRefused, export_package, import_package, open_issues
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.settings import StationProfile, load_station_profile, store_station_profile
from fupin_desktop.services.station_keys import export_station_key, register_station_key, sign_bytes
from fupin_desktop.store import changes
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import AuditEntry, ChangeEntry, Person, Site, SyncIssue
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household, person


def _open(path: Path, admin: str, unit: str) -> Database:
    """A station of the previous kind, without accounts: these tests are about exchange, not roles."""
    database = open_database(path)
    profile = load_station_profile_of(database)
    store_station_profile(database, actor=admin, profile=replace(profile, unit_name=unit, operator_name=admin))
    return database


def load_station_profile_of(database: Database):  # type: ignore[no-untyped-def]
    with database.session_factory() as session:
        return load_station_profile(session)


def _introduce(a: Database, b: Database, folder: Path, actor: Who = "管理员") -> None:
    """Each registers the other's station key (the key files carried on a stick)."""
    for one, other in ((a, b), (b, a)):
        key = export_station_key(one, actor=actor, out=folder / f"{uuid.uuid4().hex}.fupinkey")
        assert key.path is not None
        register_station_key(other, actor=actor, path=key.path)


def _person_id(database: Database, name: str) -> uuid.UUID:
    with database.session_factory() as session:
        return session.scalars(select(Person.id).where(Person.name == name)).one()


def _person(database: Database, name: str) -> Person:
    with database.session_factory() as session:
        return session.scalars(select(Person).where(Person.name == name)).one()


def _edit(database: Database, actor: str, name: str, **fields: object) -> None:
    found = _person(database, name)
    edit_person(database, actor=actor, person_id=found.id, facts=replace(person_facts(found), **fields), on=TODAY)


def dump(database: Database) -> dict[str, list[dict[str, object]]]:
    """Every exchanged table, canonically (bookkeeping times and names left out)."""
    out: dict[str, list[dict[str, object]]] = {}
    with database.session_factory() as session:
        for name, table in changes.TRACKED.items():
            rows = session.execute(select(table)).mappings().all()
            out[name] = sorted(
                (
                    {k: changes.plain(v) for k, v in r.items() if k not in changes.BOOKKEEPING | {"created_at"}}
                    for r in rows
                ),
                key=lambda row: str(row["id"]),
            )
    return out


@pytest.fixture
def sites(tmp_path: Path):  # type: ignore[no-untyped-def]
    station = _open(tmp_path / "station.db", "站长", "界湖街道人社所")
    with UnitOfWork(station, "站长") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        village = create_region(uow, "北村", "village", township, "371321001001")
        uow.commit()
    register_household(station, actor="站长", village_id=village, facts=household(), on=TODAY)
    laptops = []
    for name in ("甲", "乙"):
        laptop = _open(tmp_path / f"laptop-{name}.db", f"{name}经办", f"{name}外业笔记本")
        _introduce(station, laptop, tmp_path)
        full = export_package(station, actor="站长", out=tmp_path / f"full-{name}.fupinpkg")
        import_package(laptop, actor=f"{name}经办", path=full.path)
        laptops.append(laptop)
    yield station, laptops[0], laptops[1], village, tmp_path
    for database in (station, *laptops):
        database.dispose()


def _exchange(sender: Database, receiver: Database, folder: Path, to: str | None = None):  # type: ignore[no-untyped-def]
    path = folder / f"{uuid.uuid4().hex}.fupinpkg"
    export_package(sender, actor="经办", out=path, to=to)
    return import_package(receiver, actor="经办", path=path)


def _site_name(database: Database) -> str:
    with database.session_factory() as session:
        return session.scalars(select(Site.name).where(Site.own.is_(True))).one()


def test_a_full_package_makes_a_laptop_a_copy_of_the_station(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, b, _village, _tmp = sites
    assert dump(a) == dump(station) == dump(b)
    assert _person(a, "张三丰").id_number == _person(station, "张三丰").id_number
    with a.session_factory() as session:
        own = session.scalars(select(Site).where(Site.own.is_(True))).one()
        parent = session.get(Site, own.parent_id)
    assert parent is not None and parent.kind == "station"


def test_every_change_is_logged_with_site_sequence_account_and_a_tombstone_for_a_delete(database: Database) -> None:
    with UnitOfWork(database, "王经办") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        uow.commit()
    with UnitOfWork(database, "王经办") as uow:
        uow.session.delete(uow.session.get(changes.models.Region, county))
        uow.commit()
    with database.session_factory() as session:
        entries = session.scalars(select(ChangeEntry).order_by(ChangeEntry.seq)).all()
        own = session.scalars(select(Site).where(Site.own.is_(True))).one()
    assert [(e.seq, e.action, e.entity, e.account) for e in entries] == [
        (1, "create", "region", "王经办"),
        (2, "delete", "region", "王经办"),
    ]
    assert json.loads(entries[1].before or "{}")["name"] == "沂南县"  # the tombstone keeps what was deleted
    assert own.last_seq == 2 and {e.site_id for e in entries} == {own.id}


def test_a_rolled_back_unit_of_work_logs_nothing(database: Database) -> None:
    with UnitOfWork(database, "王经办") as uow:
        create_region(uow, "沂南县", "county", None, "371321000000")
    with database.session_factory() as session:
        assert session.scalars(select(ChangeEntry)).all() == []


def test_edits_of_different_fields_on_two_laptops_merge_everywhere(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", employment="省外务工", work_place="江苏苏州", work_months=8)
    _edit(b, "乙经办", "李秀英", phone="13905391111")
    assert not _exchange(a, station, tmp).issues
    assert not _exchange(b, station, tmp).issues
    _exchange(station, a, tmp, to=_site_name(a))
    _exchange(station, b, tmp, to=_site_name(b))
    for database in (station, a, b):
        merged = _person(database, "李秀英")
        assert (merged.employment, merged.work_place, merged.work_months, merged.phone) == (
            "省外务工", "江苏苏州", 8, "13905391111",
        )  # fmt: skip
    assert dump(station) == dump(a) == dump(b)
    assert open_issues(station) == []


def test_the_same_field_changed_on_both_sides_is_kept_as_a_conflict_not_decided(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", work_place="江苏苏州", employment="省外务工", work_months=3)
    _edit(b, "乙经办", "李秀英", work_place="浙江宁波", employment="省外务工", work_months=3)
    _exchange(a, station, tmp)
    result = _exchange(b, station, tmp)
    assert result.issues["conflict"] == 1
    assert _person(station, "李秀英").work_place == "江苏苏州"  # the first to arrive stands; nothing overwritten
    (issue,) = [i for i in open_issues(station) if i.field == "work_place"]
    assert (issue.base, json.loads(issue.ours or "null"), json.loads(issue.theirs or "null")) == (
        None, "江苏苏州", "浙江宁波",
    )  # fmt: skip
    assert issue.their_account == "乙经办"
    with station.session_factory() as session:
        stored = session.scalars(select(SyncIssue)).one()
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "sync")).all()
    assert stored.our_account == "甲经办" and stored.resolved_at is None
    assert [a.entity_id for a in audited] == [stored.entity_id]


def test_a_package_applied_twice_changes_nothing(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, _b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    path = tmp / "once.fupinpkg"
    export_package(a, actor="甲经办", out=path)
    first = import_package(station, actor="站长", path=path)
    before = dump(station)
    again = import_package(station, actor="站长", path=path)
    assert first.applied == 1 and again.applied == 0 and again.already_had > 0
    assert dump(station) == before and open_issues(station) == []


def test_a_package_after_a_gap_is_refused_naming_the_missing_changes(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, _b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    _exchange(a, station, tmp)
    _exchange(station, a, tmp, to=_site_name(a))  # a now knows what the station holds of its changes
    with station.session_factory() as session:
        applied = session.scalars(select(Site.last_seq).where(Site.name == _site_name(a))).one()
    _edit(a, "甲经办", "张三丰", phone="13905392222")  # changes applied+1 …
    lost = export_package(a, actor="甲经办", out=tmp / "lost.fupinpkg", to=_site_name(station))
    with a.session_factory() as session:  # … travel in a package that is lost: a forgets it was sent
        receiver = session.scalars(select(Site).where(Site.name == _site_name(station))).one()
        own_id = str(session.scalars(select(Site.id).where(Site.own.is_(True))).one())
        vector = json.loads(receiver.seen_vector or "{}")
        vector[own_id] = lost.ranges[own_id][1]
        receiver.seen_vector = json.dumps(vector)
        session.commit()
    _edit(a, "甲经办", "张三丰", work_place="山东济南", employment="省外务工", work_months=1)
    later = export_package(a, actor="甲经办", out=tmp / "later.fupinpkg", to=_site_name(station))
    first, last = lost.ranges[own_id]
    assert first == applied + 1
    before = dump(station)
    missing = f"第 {first}–{last} 号" if last > first else f"第 {first} 号"
    with pytest.raises(PackageRefused, match=f"缺少站点“{_site_name(a)}”的{missing}变更"):
        import_package(station, actor="站长", path=later.path)
    assert dump(station) == before
    import_package(station, actor="站长", path=lost.path)  # in order, both apply
    import_package(station, actor="站长", path=later.path)
    assert (_person(station, "张三丰").phone, _person(station, "张三丰").work_place) == ("13905392222", "山东济南")


def test_a_tampered_package_is_refused_and_changes_nothing(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, _b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    path = tmp / "pkg.fupinpkg"
    export_package(a, actor="甲经办", out=path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["changes.json"] = members["changes.json"].replace(b"13905391111", b"13905399999")
    tampered = tmp / "tampered.fupinpkg"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    before = dump(station)
    with pytest.raises(PackageRefused, match="校验和不符"):
        import_package(station, actor="站长", path=tampered)
    manifest = json.loads(members["manifest.json"])
    manifest["full"] = False
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(PackageRefused, match="签名不符"):
        import_package(station, actor="站长", path=tampered)
    assert dump(station) == before


def test_a_package_from_an_unknown_site_is_refused(sites) -> None:  # type: ignore[no-untyped-def]
    station, _a, _b, _village, tmp = sites
    stranger = _open(tmp / "stranger.db", "外人", "别的人社所")
    path = tmp / "stranger.fupinpkg"
    export_package(stranger, actor="外人", out=path)
    stranger.dispose()
    with pytest.raises(PackageRefused, match="未登记的站点") as refused:
        import_package(station, actor="站长", path=path)
    # the way to register the key, for the window's clerk as well as for the command line
    assert "上报 → 本站密钥… → 登记其他站点的密钥…" in str(refused.value) and "station-key import" in str(refused.value)


def test_a_package_to_a_known_site_is_encrypted_and_only_it_can_open_it(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, b, _village, tmp = sites
    _edit(b, "乙经办", "李秀英", phone="13905391111")
    _exchange(b, station, tmp)
    path = tmp / "to-b.fupinpkg"
    exported = export_package(station, actor="站长", out=path, to=_site_name(b))
    assert exported.encrypted
    with zipfile.ZipFile(path) as archive:
        assert "changes.json" not in archive.namelist()
        assert b"13805391234" not in archive.read("changes.bin")
    with pytest.raises(PackageRefused, match="另一站点"):
        import_package(a, actor="甲经办", path=path)
    import_package(b, actor="乙经办", path=path)


def test_the_same_new_person_on_two_laptops_becomes_a_possible_duplicate(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, b, _village, tmp = sites
    household_id = _person(station, "张三丰").household_id
    child = person("张小明", "之子", date(2001, 6, 9), 33)
    register_person(a, actor="甲经办", household_id=household_id, facts=child, on=TODAY)
    register_person(b, actor="乙经办", household_id=household_id, facts=child, on=TODAY)
    _exchange(a, station, tmp)
    result = _exchange(b, station, tmp)
    assert result.issues["duplicate"] == 1
    (duplicate,) = [i for i in open_issues(station) if i.kind == "duplicate"]
    assert duplicate.their_site == _site_name(b)
    with station.session_factory() as session:  # one person with the 身份证号; 乙's waits beside it, its number
        numbers = [p.id_number for p in session.scalars(select(Person).where(Person.name == "张小明"))]
        assert sorted(numbers, key=str) == [child.id_number, None]  # held by the question until the merge
    assert child.id_number in str(duplicate.theirs)


def test_a_locked_record_is_never_changed_by_a_package(sites) -> None:  # type: ignore[no-untyped-def]
    station, a, _b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    with UnitOfWork(station, "站长") as uow:
        found = uow.session.get(Person, _person_id(station, "李秀英"))
        assert found is not None
        found.locked = True
        uow.commit()
    result = _exchange(a, station, tmp)
    assert result.issues["correction"] == 1
    assert _person(station, "李秀英").phone != "13905391111"
    (request,) = open_issues(station)
    assert (request.kind, request.field, json.loads(request.theirs or "null")) == ("correction", "phone", "13905391111")


def test_the_command_line_exports_previews_and_imports(sites, capsys) -> None:  # type: ignore[no-untyped-def]
    station, a, _b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    path = tmp / "cli.fupinpkg"
    assert main(["--db", str(a.path), "package", "export", "--out", str(path)]) == 0
    assert main(["--db", str(station.path), "package", "import", str(path), "--dry-run"]) == 0
    assert "预览" in capsys.readouterr().out
    assert _person(station, "李秀英").phone != "13905391111"
    assert main(["--db", str(station.path), "package", "import", str(path)]) == 0
    assert _person(station, "李秀英").phone == "13905391111"
    told = capsys.readouterr().out
    assert "  成员：1条变更" in told and "person" not in told  # what changed, in the clerk's words
    (tmp / "junk.fupinpkg").write_bytes(b"not a zip")
    assert main(["--db", str(station.path), "package", "import", str(tmp / "junk.fupinpkg")]) == 1
    assert "不是本程序导出的数据包" in capsys.readouterr().err


def test_the_migration_makes_an_existing_database_a_site_whose_records_are_in_its_log(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from fupin_desktop.store.db import _alembic_config

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003_signing")
        connection.exec_driver_sql(
            "insert into region (id, code, name, level, created_at, updated_at)"
            " values ('0f9d2c3a5b6e4f708192a3b4c5d6e7f8', '371321000000', '沂南县', 'county',"
            " '2026-11-01 08:00:00.000000', '2026-11-01 08:00:00.000000')"
        )
    engine.dispose()
    database = open_database(path)
    try:
        with database.session_factory() as session:
            (site,) = session.scalars(select(Site)).all()
            (entry,) = session.scalars(select(ChangeEntry)).all()
        assert site.own and site.kind == "station" and site.last_seq == 1 and site.box_private
        assert (entry.site_id, entry.seq, entry.action, entry.entity) == (site.id, 1, "create", "region")
        assert entry.after is None  # a baseline entry: the record is read when a full package is made
        store_station_profile(
            database, actor="升级", profile=replace(load_station_profile_of(database), unit_name="沂南县人社局")
        )
        with UnitOfWork(database, "王经办") as uow:  # renamed after the baseline: the package keeps both steps
            region = uow.session.get(changes.models.Region, entry.entity_id)
            assert region is not None
            region.name = "沂南"
            uow.commit()
        receiver = _open(tmp_path / "new.db", "管理员", "新站")
        _introduce(database, receiver, tmp_path)
        full = export_package(database, actor="管理员", out=tmp_path / "full.fupinpkg")
        with zipfile.ZipFile(full.path) as archive:
            first = packages.read_lines(archive.read("changes.json"))[0][0]
        assert json.loads(first[7])["name"] == "沂南县"  # as it was when the baseline was taken
        assert import_package(receiver, actor="管理员", path=full.path).issues == Counter()
        assert dump(receiver) == dump(database)
        receiver.dispose()
    finally:
        database.dispose()


def test_a_delete_on_one_side_against_an_edit_on_the_other_is_a_conflict(sites) -> None:  # type: ignore[no-untyped-def]
    from fupin_desktop.services.households import remove_person

    station, a, b, _village, tmp = sites
    remove_person(a, actor="甲经办", person_id=_person_id(a, "李秀英"))
    _edit(b, "乙经办", "李秀英", phone="13905391111")
    _exchange(b, station, tmp)
    result = _exchange(a, station, tmp)
    assert result.issues["conflict"] == 1
    assert _person(station, "李秀英").phone == "13905391111"  # the edited member is not silently deleted
    (issue,) = open_issues(station)
    assert issue.kind == "conflict" and issue.their_account == "甲经办" and issue.theirs is None


def test_a_member_moved_on_one_side_and_edited_on_the_other_ends_moved_with_the_edit(sites) -> None:  # type: ignore[no-untyped-def]
    from fupin_desktop.services.households import relocate_person

    station, a, b, village, tmp = sites
    other = replace(
        household("3713210010010002", person("王大山", "户主", date(1968, 2, 3), 43)), card_no="3713210010010002001"
    )
    target = register_household(station, actor="站长", village_id=village, facts=other, on=TODAY).id
    for laptop in (a, b):
        _exchange(laptop, station, tmp)  # the station learns of the laptops from their first packages
    _exchange(station, a, tmp, to=_site_name(a))
    _exchange(station, b, tmp, to=_site_name(b))
    relocate_person(a, actor="甲经办", person_id=_person_id(a, "李秀英"), target_household_id=target, relation="配偶")
    _edit(b, "乙经办", "李秀英", phone="13905391111")
    for laptop in (a, b):
        _exchange(laptop, station, tmp)
    for laptop in (a, b):
        _exchange(station, laptop, tmp, to=_site_name(laptop))
    for database in (station, a, b):
        moved = _person(database, "李秀英")
        assert (moved.household_id, moved.phone) == (target, "13905391111")
        with database.session_factory() as session:
            counts = {h.household_no: h.member_count for h in session.scalars(select(changes.models.Household))}
        assert counts == {"3713210010010001": 1, "3713210010010002": 2}
    assert dump(station) == dump(a) == dump(b)
    assert open_issues(station) == open_issues(a) == open_issues(b) == []


def test_the_command_line_lists_what_waits_for_a_person(sites, capsys) -> None:  # type: ignore[no-untyped-def]
    station, a, b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    _edit(b, "乙经办", "李秀英", phone="13905392222")
    _exchange(a, station, tmp)
    _exchange(b, station, tmp)
    capsys.readouterr()
    assert main(["--db", str(station.path), "package", "issues"]) == 0
    out = capsys.readouterr().out
    assert "冲突" in out and "13905391111" in out and "13905392222" in out and "乙经办" in out


@pytest.mark.parametrize("scale", ["township", "county"])
def test_a_full_package_of_the_demo_area_makes_an_equal_copy(tmp_path: Path, monkeypatch, scale: str) -> None:  # type: ignore[no-untyped-def]
    """The demo's records are logged as baseline entries (ids only); the package reads them whole, in an
    order a receiver can insert (a village after its township), and the copy equals the source. "county":
    the ways taken for a county's tables (each read whole, its JSON written by SQLite; the households'
    summaries checked by two queries), here on a small area, with a person renamed after the baseline."""
    from fupin_desktop.services import sync_apply

    if scale == "county":
        monkeypatch.setattr(changes, "WHOLE_TABLE", 0)
        monkeypatch.setattr(sync_apply, "_MANY", 0)
    path = tmp_path / "demo.db"
    assert main(["--db", str(path), "demo", "--plain", "--households", "40", "--seed", "3"]) == 0
    source = open_database(path)
    with source.session_factory() as session:
        assert session.scalars(select(ChangeEntry.after).where(ChangeEntry.action == "create")).first() is None
        head = session.scalars(select(Person).where(Person.relation == "户主").order_by(Person.id)).first()
        assert head is not None
    if scale == "county":
        clerk = Actor("clerk", Role.TOWNSHIP_CLERK)
        edit_person(source, actor=clerk, person_id=head.id, facts=replace(person_facts(head), name="改名后"), on=TODAY)
    copy = _open(tmp_path / "copy.db", "管理员", "新笔记本")
    admin = Actor("admin", Role.ADMIN)  # the demo has accounts
    _introduce(source, copy, tmp_path, actor=admin)
    full = export_package(source, actor=admin, out=tmp_path / "full.fupinpkg")
    result = import_package(copy, actor="管理员", path=full.path)
    assert result.issues == Counter() and result.applied == full.changes
    assert dump(copy) == dump(source)
    with copy.session_factory() as session:
        assert session.get(Person, head.id).name == (head.name if scale == "township" else "改名后")  # type: ignore[union-attr]
    for database in (source, copy):
        database.dispose()


def test_the_summaries_checked_by_two_queries_are_those_derived_one_household_at_a_time(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A county's households' summaries (head, member count, members' order) are checked by two queries,
    and only those found off are derived again: the same as deriving every one, however they are off."""
    import shutil
    import sqlite3

    from fupin_desktop.services import sync_apply
    from fupin_desktop.store.models import Household

    path = tmp_path / "demo.db"
    assert main(["--db", str(path), "demo", "--plain", "--households", "40", "--seed", "5"]) == 0
    with sqlite3.connect(path) as connection:
        for damage in (
            "update household set member_count = member_count + 1 where rowid % 7 = 0",
            "update household set head_pinyin = null where rowid % 9 = 0",
            "update household set head_name = '别人' where rowid % 11 = 0",
            "update person set sort_order = sort_order + 3 where rowid % 13 = 0",
            "update person set relation = '户主' where rowid % 17 = 1 and relation != '户主'",
            "update person set household_id = (select id from household where rowid = 1) where rowid % 19 = 0",
        ):
            assert connection.execute(damage).rowcount > 0
    connection.close()  # the last connection: its changes are checkpointed into the file that is copied
    derived = []
    for many in (10**9, 0):  # every household one at a time; only those the two queries find off
        copy = tmp_path / f"copy-{many}.db"
        shutil.copyfile(path, copy)
        monkeypatch.setattr(sync_apply, "_MANY", many)
        database = open_database(copy)
        with database.session_factory() as session:
            written = sync_apply.refresh_summaries(session, list(session.scalars(select(Household.id))))
            summaries = session.execute(
                select(Household.id, Household.head_name, Household.head_pinyin, Household.member_count)
            )
            derived.append((written, set(summaries), set(session.execute(select(Person.id, Person.sort_order)))))
        database.dispose()
    assert derived[0][0] > 5
    assert derived[0] == derived[1]


def test_a_full_package_that_cannot_be_written_leaves_no_file_and_no_log(sites) -> None:  # type: ignore[no-untyped-def]
    """A full package is written in pieces while it is made: when the file cannot be put in place, the
    export is refused with the reason, no partial file is left and nothing is recorded as sent."""
    station, _a, _b, _village, tmp = sites
    out = tmp / "taken.fupinpkg"
    out.mkdir()
    (out / "something").write_text("x", encoding="utf-8")  # a folder of that name is in the way
    with station.session_factory() as session:
        exports = len(list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "package"))))
    with pytest.raises(ServiceError, match="无法写入数据包"):
        export_package(station, actor="站长", out=out)
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith("taken")) == ["taken.fupinpkg"]
    with station.session_factory() as session:
        assert len(list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "package")))) == exports


def test_a_full_package_written_in_pieces_is_the_same_content_checked_by_its_manifest(tmp_path: Path) -> None:
    """Many pieces through the second thread: the content is every piece in order, its checksum in the
    signed manifest, and one byte changed is found."""
    pieces = [b"[", *(json.dumps([i, "记录" * (i % 7)]).encode() + b"," for i in range(30000)), b"0]"]
    signed: list[str] = []

    def seal(content_sha256: str) -> tuple[bytes, bytes]:
        signed.append(content_sha256)
        return packages.manifest_bytes({"format": packages.FORMAT, "content_sha256": content_sha256}), b"sig"

    path = tmp_path / "pieces.fupinpkg"
    packages.write_streamed(path, iter(pieces), seal)
    read = packages.read(path)
    assert read.content == b"".join(pieces)
    assert read.manifest["content_sha256"] == signed[0] == packages.sha256(read.content)
    assert len(json.loads(read.content)) == 30001
    assert not (tmp_path / "pieces.fupinpkg.part").exists()


def test_a_field_edited_twice_in_one_package_ends_with_the_second_edit_and_no_conflict(sites) -> None:  # type: ignore[no-untyped-def]
    """The plain field updates of a package are written together; the second edit of the same field checks
    its "before" against the first edit's value, not the value before the package."""
    station, a, _b, _village, tmp = sites
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    _edit(a, "甲经办", "张三丰", phone="13905392222")
    _edit(a, "甲经办", "李秀英", phone="13905393333", work_place="江苏苏州", work_months=8)
    result = _exchange(a, station, tmp)
    assert result.issues == Counter() and result.applied == 5
    edited = _person(station, "李秀英")
    assert (edited.phone, edited.work_place, edited.work_months) == ("13905393333", "江苏苏州", 8)
    assert _person(station, "张三丰").phone == "13905392222"
    assert dump(station) == dump(a)


def _as_format_1(database: Database, path: Path, out: Path) -> Path:
    """The package as the previous program wrote it (format 1: one JSON array of the changes, each record
    a JSON string inside it), signed again by its station as that program signed it."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        rows, state = packages.read_lines(archive.read("changes.json"))
    assert not state and rows
    content = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    manifest |= {"format": packages.FORMAT_1, "content_sha256": packages.sha256(content)}
    raw = packages.manifest_bytes(manifest)
    signature = database.read(sign_bytes, packages.signed_message(raw)).value
    packages.write(out, raw, signature, content, sealed=False)
    return out


def test_a_package_of_the_previous_format_still_imports(sites) -> None:  # type: ignore[no-untyped-def]
    """A laptop may still hold a package written before format 2: a new laptop is made from a full one, and
    an edit in an incremental one reaches the station."""
    station, a, _b, _village, tmp = sites
    laptop = _open(tmp / "laptop-丙.db", "丙经办", "丙外业笔记本")
    _introduce(station, laptop, tmp)
    full = export_package(station, actor="站长", out=tmp / "full-丙.fupinpkg")
    old_full = _as_format_1(station, full.path, tmp / "full-丙-1.fupinpkg")
    assert import_package(laptop, actor="丙经办", path=old_full).applied == full.changes
    assert dump(laptop) == dump(station)
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    day = export_package(a, actor="甲经办", out=tmp / "a.fupinpkg")
    result = import_package(station, actor="站长", path=_as_format_1(a, day.path, tmp / "a-1.fupinpkg"))
    assert result.applied == 1 and not result.issues
    assert _person(station, "李秀英").phone == "13905391111"
    assert dump(station) == dump(a)
    laptop.dispose()


def test_change_lines_keep_every_value_even_with_line_breaks_in_it() -> None:
    site, record = str(uuid.uuid4()), str(uuid.uuid4())
    created = '{"name":"张\\t三","notes":"一\\n二"}'  # escaped inside the JSON, as the encoders write them
    rows = [
        [site, 1, "create", "person", record, None, None, created, "王\n经办", "2026-12-01T08:00:00"],
        [site, 2, "update", "person", record, "notes", '"一\\n二"', '{"x":\n1}', "经办\t", "2026-12-01T08:00:01"],
    ]  # fmt: skip
    content = (packages.change_lines(rows) + packages.state_lines([["person", record, "notes", '"三"']])).encode()
    assert content.count(b"\n") == 9
    read, state = packages.read_lines(content)
    assert read[0] == rows[0]
    assert read[1] == [*rows[1][:7], '{"x":1}', *rows[1][8:]]  # a raw line break between tokens, written again
    assert state == [["person", record, "notes", '"三"']]
    assert packages.read_lines(packages.change_lines(rows).encode()) == (read, [])
    for damaged in (b'["only","three"]\n\n', b'["only","three"]\n"1"\n"2"\n', b"[1,2\n\n\n"):
        with pytest.raises(packages.PackageDamaged):
            packages.read_lines(damaged)


def test_change_lines_read_back_as_written_over_many_generated_changes() -> None:
    """Whatever a change holds (quotes, backslashes, tabs, any script, empty fields, ids as UUIDs), its
    lines read back as the change itself: 2,000 changes with values drawn at random."""
    import random

    pick = random.Random(19)
    pieces = ['"', "\\", "\t", "张", "𠀀", " ", "a", "1", ",", "]", "[", "\u2028", "null"]

    def word() -> str:
        return "".join(pick.choice(pieces) for _ in range(pick.randrange(0, 6)))

    sites = [str(uuid.uuid4()) for _ in range(3)]
    rows = []
    for seq in range(1, 2001):
        record = uuid.uuid4()
        rows.append(
            [
                pick.choice(sites), seq, pick.choice(["create", "update", "delete"]), pick.choice(["person", word()]),
                str(record), pick.choice([None, "name", word()]),
                pick.choice([None, json.dumps(word(), ensure_ascii=False)]),
                pick.choice([None, json.dumps({"name": word(), "n": seq}, ensure_ascii=False)]),
                pick.choice(["经办", word() or "x"]), f"2026-12-01T08:{seq % 60:02d}:00",
            ]
        )  # fmt: skip
    read, state = packages.read_lines(packages.change_lines(rows).encode("utf-8"))
    assert state == [] and read == rows
    with_objects = [[*row[:4], uuid.UUID(row[4]), *row[5:]] for row in rows[:50]]  # ids as UUIDs: as their text
    assert packages.read_lines(packages.change_lines(with_objects).encode("utf-8"))[0] == rows[:50]


def test_a_laptop_not_named_yet_is_called_by_its_key_s_unit_not_本站(sites) -> None:  # type: ignore[no-untyped-def]
    """A laptop that sent a package before its 本站信息 was filled in came in as "来自“本站”" at the station."""
    station, a, _b, _village, tmp = sites
    with a.session_factory() as session:
        own = session.scalars(select(Site).where(Site.own.is_(True))).one()
        own.name = "本站"  # as a new laptop's site is named until 本站信息 names it
        session.commit()
    _edit(a, "甲经办", "李秀英", phone="13905391111")
    path = tmp / "unnamed.fupinpkg"
    with patch("fupin_desktop.services.packages.load_station_profile", return_value=StationProfile()):
        export_package(a, actor="甲经办", out=path)
    result = import_package(station, actor="站长", path=path)
    assert result.sender == "甲外业笔记本"  # the unit its registered key names
    with station.session_factory() as session:
        names = set(session.scalars(select(Site.name).where(Site.own.is_(False))))
    assert "本站" not in names and "甲外业笔记本" in names
    # A station that recorded the laptop as "本站" before this fix learns its name from its next package.
    with station.session_factory() as session:
        laptop = session.scalars(select(Site).where(Site.name == "甲外业笔记本")).one()
        laptop.name = "本站"
        session.commit()
    _edit(a, "甲经办", "李秀英", phone="13905392222")
    _exchange(a, station, tmp)
    with station.session_factory() as session:
        assert "本站" not in set(session.scalars(select(Site.name).where(Site.own.is_(False))))


def test_a_conflict_the_station_decided_is_not_reported_as_waiting_on_the_laptop(sites) -> None:  # type: ignore[no-untyped-def]
    """The laptop's import said "冲突：1条，待人工处理" while 待处理 was empty: the station's decision had come
    in the same package and closed it."""
    from fupin_desktop.services.package_decisions import decide_issue, list_issues

    station, a, _b, _village, tmp = sites
    _edit(station, "站长", "李秀英", phone="13933334444")
    _edit(a, "甲经办", "李秀英", phone="13811112222")
    assert _exchange(a, station, tmp).issues["conflict"] == 1
    (issue,) = list_issues(station)
    decide_issue(station, actor="站长", issue_id=issue.id, decision="theirs")
    back = _exchange(station, a, tmp, to=_site_name(a))
    assert open_issues(a) == []
    assert back.issues["conflict"] == 0, back.issues
    assert _person(a, "李秀英").phone == _person(station, "李秀英").phone == "13811112222"


def test_a_new_laptop_s_管理员_is_told_how_to_import_the_full_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/sites.md: init --admin, station-key import, package import. The 管理员 may not import (roles.md), and
    a 村级录入员 needs a village the package has not brought yet: the refusal says which account to make."""
    station, laptop = tmp_path / "station.db", tmp_path / "laptop.db"
    assert main(["--db", str(station), "demo", "--households", "3", "--plain"]) == 0
    assert main(["--db", str(station), "package", "export", "--out", str(tmp_path / "full.fupinpkg")]) == 0
    assert main(["--db", str(station), "station-key", "export", str(tmp_path / "station.fupinkey")]) == 0
    monkeypatch.setenv("FUPIN_USER", "张村")
    monkeypatch.setenv("FUPIN_PASSWORD", "zhangcun1")
    assert main(["--db", str(laptop), "init", "--admin", "张村", "--plain"]) == 0
    assert main(["--db", str(laptop), "station-key", "import", str(tmp_path / "station.fupinkey")]) == 0
    capsys.readouterr()
    assert main(["--db", str(laptop), "package", "import", str(tmp_path / "full.fupinpkg")]) == 1
    told = capsys.readouterr().err
    assert "管理员" in told and "user add" in told and "--role 乡镇经办人" in told and "账号管理" in told


def _indexes(database: Database) -> set[tuple[str, str]]:
    with database.session_factory() as session:
        return set(session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())


def test_a_full_package_at_a_new_site_goes_in_without_indexes_and_ends_with_every_one(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A county's full package into empty tables goes in without their indexes, made again after (here
    for any number of creates): the copy equals the source and its every index is back; a dry run and an
    import that fails half-way leave the new site as it was, indexes and all (the DDL is in the transaction)."""
    from fupin_desktop.services import packages as package_service

    monkeypatch.setattr(package_service, "_LATE_INDEX", 1)
    path = tmp_path / "demo.db"
    assert main(["--db", str(path), "demo", "--plain", "--households", "30", "--seed", "4"]) == 0
    source = open_database(path)
    copy = _open(tmp_path / "copy.db", "管理员", "新笔记本")
    admin = Actor("admin", Role.ADMIN)
    _introduce(source, copy, tmp_path, actor=admin)
    full = export_package(source, actor=admin, out=tmp_path / "full.fupinpkg")
    indexes = _indexes(copy)
    assert any(name == "ix_person_name" for name, _sql in indexes)
    empty = dump(copy)

    preview = import_package(copy, actor="管理员", path=full.path, dry_run=True)
    assert preview.applied == full.changes
    assert _indexes(copy) == indexes and dump(copy) == empty

    def broken(*_args: object) -> None:
        raise RuntimeError("磁盘已满")

    with patch.object(package_service, "refresh_summaries", broken), pytest.raises(RuntimeError):
        import_package(copy, actor="管理员", path=full.path)
    assert _indexes(copy) == indexes and dump(copy) == empty

    result = import_package(copy, actor="管理员", path=full.path)
    assert result.applied == full.changes and result.issues == Counter()
    assert _indexes(copy) == indexes
    assert dump(copy) == dump(source)
    with copy.session_factory() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        grams = session.execute(text("SELECT count(*) FROM person_id_gram")).scalar_one()
    with source.session_factory() as session:
        assert grams == session.execute(text("SELECT count(*) FROM person_id_gram")).scalar_one() > 0
    for database in (source, copy):
        database.dispose()


def test_arrived_changes_are_logged_as_their_columns_convert_them_over_many_generated_changes(
    database: Database,
) -> None:
    """The change log's rows written in one pass (ids as text, times in full ISO form) are those its columns'
    types make of the same changes, and changes in other forms (dashed ids, a time without microseconds,
    a space for the T) take the columns' way: 1,000 generated changes."""
    import random

    from fupin_desktop.services import packages as package_service

    pick = random.Random(7)
    table = ChangeEntry.__table__
    with UnitOfWork(database, "测试员") as uow:
        own = package_service._own_site(uow.session)
        vector = {str(site.id): site for site in uow.session.scalars(select(Site))}
        applier = package_service._Applier(uow, own, vector, {})
        for shape in ("plain", "mixed"):
            entries = []
            for seq in range(1, 1001):
                site, record = uuid.uuid4(), uuid.uuid4()
                at = f"2026-12-{pick.randrange(1, 29):02d}T{pick.randrange(24):02d}:00:00.{pick.randrange(10**6):06d}"
                if shape == "mixed" and seq % 3 == 0:
                    at = pick.choice([at[:19], at.replace("T", " ")])
                dashed = shape == "mixed" and seq % 2 == 0
                entries.append(
                    [str(site) if dashed else site.hex, seq, "update", "person", str(record) if dashed else record.hex,
                     "name", '"甲"', '"乙"', "经办", at]
                )  # fmt: skip
            applier._entries = entries
            fast = applier._entry_rows(41)
            slow = applier._driver_columns(table, applier._entry_columns(41))
            assert fast == slow and len(fast) == 1000 and fast[0][-1] == 41
            if database.engine.dialect.name == "sqlite":  # as SQLite keeps them: hex text, "YYYY-MM-DD HH:MM:SS.ffffff"
                assert all(len(row[0]) == 32 and len(row[4]) == 32 and row[9][10] == " " for row in fast)
