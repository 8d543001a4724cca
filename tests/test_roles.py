"""The role matrix: every operation of docs/roles.md × every role, run against the services.

The table is read from docs/roles.md (and checked equal to the code's ``PERMISSIONS``): an allowed cell
must succeed; a refused one must raise "需要…权限才能…" naming the role, with nothing written — every
table's row count, the intention states and the audit head the same before and after.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from fupin_desktop.domain.accounts import ROLE_LABELS, Actor, Role, roles_phrase
from fupin_desktop.domain.permissions import PERMISSIONS, Capability, permission_table
from fupin_desktop.domain.workflow import State
from fupin_desktop.services import accounts
from fupin_desktop.services.backups import back_up, restore_backup, set_backup_folder
from fupin_desktop.services.errors import NotFound, PermissionDenied
from fupin_desktop.services.followup import Enrolment, grant_subsidy, record_enrolment
from fupin_desktop.services.households import (
    edit_household,
    edit_person,
    household_facts,
    person_facts,
    register_household,
    register_person,
    relocate_person,
    remove_household,
    remove_person,
)
from fupin_desktop.services.imports import import_village
from fupin_desktop.services.intentions import IntentionInput, register_intention, take_step
from fupin_desktop.services.notices import ObjectionInput, add_objection, end_notice, start_notice
from fupin_desktop.services.package_decisions import decide_issue
from fupin_desktop.services.packages import PackageRefused, export_package, import_package
from fupin_desktop.services.regions import add_region, create_region
from fupin_desktop.services.settings import load_station_profile, store_station_profile
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.station_keys import export_station_key
from fupin_desktop.services.submissions import list_submissions, seal_submission, unlock_submission
from fupin_desktop.services.visits import VisitInput, save_visit
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import (
    AuditChainHead,
    Base,
    Household,
    Intention,
    Person,
)
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures
from tests.conftest import TODAY
from tests.sheets import good_rows, write_sheet

ROLES_DOC = Path(__file__).resolve().parent.parent / "docs" / "roles.md"
PASSWORD = "pass-1234"
NORTH, SOUTH = "371321001001", "371321001002"
NAMES = {Role.ADMIN: "admin", Role.REVIEWER: "reviewer", Role.TOWNSHIP_CLERK: "clerk", Role.VILLAGE_CLERK: "village"}


def read_roles_doc() -> list[list[str]]:
    """The rows of the permission table on docs/roles.md, as ``permission_table`` gives them."""
    rows = []
    for line in ROLES_DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 2 + len(Role):
            rows.append([cells[0].strip("`"), *cells[1:]])
    return rows


DOC_ROWS = read_roles_doc()
CELLS = [
    pytest.param(Capability(row[0]), role, row[2 + index], id=f"{row[0]}-{role.value}")
    for row in DOC_ROWS
    for index, role in enumerate(Role)
]
OWN_VILLAGE = [Capability(row[0]) for row in DOC_ROWS if row[2] == "本村"]


def test_the_page_and_the_code_have_the_same_table() -> None:
    header = next(line for line in ROLES_DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| 操作代码"))
    assert [cell.strip() for cell in header.strip("|").split("|")][2:] == [ROLE_LABELS[role] for role in Role]
    assert permission_table() == DOC_ROWS
    assert {Capability(row[0]) for row in DOC_ROWS} == set(Capability)


# --- one scene, built once: two villages, people at every step the operations need, one account per role ----


@dataclass(frozen=True)
class Scene:
    file: Path
    north: uuid.UUID
    south: uuid.UUID
    township: uuid.UUID
    ids: dict[str, uuid.UUID]  # what each operation acts on, by name


def _intention_of(database: Database, person_id: uuid.UUID) -> uuid.UUID:
    with database.session_factory() as session:
        return session.scalar(select(Intention.id).where(Intention.person_id == person_id).order_by(Intention.id))


def build_scene(folder: Path) -> Scene:
    file = folder / "scene.db"
    database = open_database(file)
    with UnitOfWork(database, "测试员") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        north = create_region(uow, "北村", "village", township, NORTH)
        south = create_region(uow, "南村", "village", township, SOUTH)
        uow.commit()
    sheet_fixtures.station(database)
    people = sheet_fixtures.people(database, north, 12)
    south_people = sheet_fixtures.people(database, south, 4, start=6)
    with UnitOfWork(database, "测试员") as uow:  # people() numbers households the same in both villages
        for n, household in enumerate(uow.session.scalars(select(Household).where(Household.village_id == south))):
            household.household_no = f"37132100100200{n:04d}"
        uow.commit()
    training = "training"
    # 已上报 (then one 已录取) first: a seal takes every 公示期满 person of the township.
    submitted = sheet_fixtures.intentions(database, people[8:10], training, sheet_fixtures.PATH_TO_PASSED)
    sealed = seal_submission(
        database, actor="李审核", request=SheetRequest("training_list"), out_dir=folder, today=TODAY
    )
    record_enrolment(
        database, actor="李审核", intention_ids=[submitted[1]], enrolment=Enrolment("县职业培训学校"), on=TODAY
    )
    passed = sheet_fixtures.intentions(database, people[6:8], training, sheet_fixtures.PATH_TO_PASSED)
    in_notice = sheet_fixtures.intentions(database, people[5:6], training, [State.REFERRED, State.APPROVED])
    notice = start_notice(
        database,
        actor="李审核",
        region_id=township,
        intention_ids=in_notice,
        data=replace(sheet_fixtures.NOTICE, start_date=TODAY, end_date=date(2026, 11, 29)),
    )
    approved = sheet_fixtures.intentions(database, people[4:5], training, [State.REFERRED, State.APPROVED])
    referred = sheet_fixtures.intentions(database, people[2:4], training, [State.REFERRED])
    drafts = sheet_fixtures.intentions(database, people[0:2], training, [])
    south_drafts = sheet_fixtures.intentions(database, south_people[0:1], training, [])
    with database.session_factory() as session:
        north_household = session.scalar(select(Person.household_id).where(Person.id == people[0]))
        south_household = session.scalar(select(Person.household_id).where(Person.id == south_people[0]))
    assert north_household is not None and south_household is not None
    ids = {
        "household": north_household,
        "south_household": south_household,
        "free_person": people[10],
        "south_free_person": south_people[2],
        "draft": drafts[0],
        "south_draft": south_drafts[0],
        "referred": referred[0],
        "approved": approved[0],
        "in_notice": in_notice[0],
        "notice": notice.notice_id,
        "submitted": submitted[0],
        "enrolled": submitted[1],
        "submission": sealed.submission_id,
        "passed": passed[0],
    }
    accounts.create_account(database, actor="初始化", name="admin", role=Role.ADMIN, password=PASSWORD)
    admin = Actor("admin", Role.ADMIN)
    for role in (Role.REVIEWER, Role.TOWNSHIP_CLERK, Role.VILLAGE_CLERK):
        accounts.create_account(
            database,
            actor=admin,
            name=NAMES[role],
            role=role,
            password=PASSWORD,
            display_name={Role.REVIEWER: "李站长", Role.TOWNSHIP_CLERK: "王经办", Role.VILLAGE_CLERK: "北村录入员"}[
                role
            ],
            phone="13805391111" if role is Role.TOWNSHIP_CLERK else "",
            region_code=NORTH if role is Role.VILLAGE_CLERK else None,
        )
    database.dispose()
    return Scene(file, north, south, township, ids)


def copy_scene(template: Scene, folder: Path) -> tuple[Scene, Database]:
    """A fresh copy of the built scene in ``folder``, opened."""
    file = folder / "scene.db"
    shutil.copyfile(template.file, file)
    return replace(template, file=file), open_database(file)


@pytest.fixture(scope="module")
def scene_template(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    return build_scene(tmp_path_factory.mktemp("roles"))


@pytest.fixture
def scene(scene_template: Scene, tmp_path: Path) -> Iterator[tuple[Scene, Database]]:
    the_scene, database = copy_scene(scene_template, tmp_path)
    yield the_scene, database
    database.dispose()


def actor_for(role: Role, scene: Scene) -> Actor:
    return Actor(NAMES[role], role, region_id=scene.north if role is Role.VILLAGE_CLERK else None)


def fingerprint(database: Database) -> dict[str, object]:
    """Every table's row count, the intention states, objections' outcomes and the audit head."""
    with database.session_factory() as session:
        counts: dict[str, object] = {
            table.name: session.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables
        }
        counts["states"] = sorted(session.execute(select(Intention.id, Intention.state, Intention.locked)).all())
        counts["audit_head"] = session.execute(select(AuditChainHead.seq, AuditChainHead.hash)).all()
        counts["households"] = sorted(session.execute(select(Household.id, Household.address)).all())
    return counts


# --- one call per operation, on the scene's records (a 村级录入员's own village: 北村) -------------------------

Call = Callable[[Database, Actor, Scene, Path, str], object]


def _edit_household(database: Database, actor: Actor, scene: Scene, _tmp: Path, where: str) -> object:
    household_id = scene.ids[f"{where}household"]
    with database.session_factory() as session:
        household = session.get(Household, household_id)
        assert household is not None
        facts = household_facts(household)
    return edit_household(
        database, actor=actor, household_id=household_id, facts=replace(facts, address="北村二组8号"), on=TODAY
    )


def _visit(database: Database, actor: Actor, scene: Scene, _tmp: Path, where: str) -> object:
    visit = VisitInput(TODAY, "走访员", "入户走访", "了解培训意愿")
    return save_visit(database, actor=actor, household_id=scene.ids[f"{where}household"], visit=visit)


def _import(database: Database, actor: Actor, scene: Scene, tmp: Path, where: str) -> object:
    code = SOUTH if where == "south_" else NORTH
    title = (("沂南县界湖街道村建档立卡贫困户信息表",), ("区划代码：", code))
    path = write_sheet(tmp / "村表.xlsx", good_rows(), title=title)
    outcome = import_village(database, actor=actor, path=path, on=TODAY)
    assert outcome.report.written, outcome.report
    return outcome


def _register_intention(database: Database, actor: Actor, scene: Scene, _tmp: Path, where: str) -> object:
    data = IntentionInput("training", occupation="电工", training_type="02", referral_source="village")
    return register_intention(database, actor=actor, person_id=scene.ids[f"{where}free_person"], data=data)


def _step(key: str, target: State, reason: str | None = None) -> Call:
    def call(database: Database, actor: Actor, scene: Scene, _tmp: Path, where: str) -> object:
        result = take_step(
            database, actor=actor, intention_ids=[scene.ids[f"{where}{key}"]], target=target, reason=reason, on=TODAY
        )
        assert not result.refused, result.summary()
        return result

    return call


def _publish(database: Database, actor: Actor, scene: Scene, _tmp: Path, _where: str) -> object:
    data = replace(sheet_fixtures.NOTICE, title="第二批公示", start_date=TODAY, end_date=date(2026, 11, 29))
    return start_notice(
        database, actor=actor, region_id=scene.township, intention_ids=[scene.ids["approved"]], data=data
    )


def _objection(database: Database, actor: Actor, scene: Scene, _tmp: Path, _where: str) -> object:
    data = ObjectionInput("村民王某", "来电", TODAY, "家中经营养殖场")
    return add_objection(
        database, actor=actor, notice_id=scene.ids["notice"], intention_id=scene.ids["in_notice"], data=data
    )


def _close(database: Database, actor: Actor, scene: Scene, _tmp: Path, _where: str) -> object:
    result = end_notice(database, actor=actor, notice_id=scene.ids["notice"], on=date(2026, 11, 30))
    assert result.moved
    return result


def _follow_up(database: Database, actor: Actor, scene: Scene, _tmp: Path, _where: str) -> object:
    result = record_enrolment(
        database, actor=actor, intention_ids=[scene.ids["submitted"]], enrolment=Enrolment("县技工学校"), on=TODAY
    )
    assert result.moved
    return result


def _subsidy(database: Database, actor: Actor, scene: Scene, _tmp: Path, _where: str) -> object:
    return grant_subsidy(
        database, actor=actor, intention_id=scene.ids["enrolled"], kind="training", amount_yuan=900, on=TODAY
    )


def _seal(database: Database, actor: Actor, _scene: Scene, tmp: Path, _where: str) -> object:
    return seal_submission(database, actor=actor, request=SheetRequest("training_list"), out_dir=tmp, today=TODAY)


def _unlock(database: Database, actor: Actor, scene: Scene, _tmp: Path, _where: str) -> object:
    return unlock_submission(database, actor=actor, submission_id=scene.ids["submission"], reason="身份证号录错")


def _keys(database: Database, actor: Actor, _scene: Scene, tmp: Path, _where: str) -> object:
    return export_station_key(database, actor=actor, out=tmp / "本站.fupinkey")


def _regions(database: Database, actor: Actor, _scene: Scene, _tmp: Path, _where: str) -> object:
    return add_region(database, actor=actor, code="371321001003", name="西村")


def _settings(database: Database, actor: Actor, _scene: Scene, _tmp: Path, _where: str) -> object:
    profile = database.read(load_station_profile)
    return store_station_profile(database, actor=actor, profile=replace(profile, contact_phone="0539-3229999"))


def _backup_folder(database: Database, actor: Actor, _scene: Scene, tmp: Path, _where: str) -> object:
    return set_backup_folder(database, actor=actor, folder=tmp / "U盘备份")


def _restore(database: Database, actor: Actor, scene: Scene, tmp: Path, _where: str) -> object:
    made = back_up(database, folder=tmp / "备份")
    database.dispose()
    try:
        return restore_backup(target=scene.file, backup=made.path, actor=actor)
    finally:
        database.engine.dispose()


def _accounts(database: Database, actor: Actor, _scene: Scene, _tmp: Path, _where: str) -> object:
    return accounts.create_account(database, actor=actor, name="新人", role=Role.TOWNSHIP_CLERK, password=PASSWORD)


def _export_package(database: Database, actor: Actor, _scene: Scene, tmp: Path, _where: str) -> object:
    return export_package(database, actor=actor, out=tmp / "全部.fupinpkg")


def _import_package(database: Database, actor: Actor, _scene: Scene, tmp: Path, _where: str) -> object:
    """Past the permission, a file that is not there is refused for what it is (the permission is first)."""
    try:
        return import_package(database, actor=actor, path=tmp / "没有这个文件.fupinpkg", dry_run=True)
    except PackageRefused:
        return None


def _decide(database: Database, actor: Actor, _scene: Scene, _tmp: Path, _where: str) -> object:
    """An issue already gone: past the permission the decision is refused as not found."""
    try:
        return decide_issue(database, actor=actor, issue_id=uuid.uuid4(), decision="ours")
    except NotFound:
        return None


CALLS: dict[Capability, Call] = {
    Capability.EDIT_HOUSEHOLDS: _edit_household,
    Capability.RECORD_VISIT: _visit,
    Capability.IMPORT_VILLAGE: _import,
    Capability.REGISTER_INTENTION: _register_intention,
    Capability.REFER: _step("draft", State.REFERRED),
    Capability.RETURN: _step("referred", State.RETURNED, "材料不全"),
    Capability.APPROVE: _step("referred", State.APPROVED),
    Capability.REJECT: _step("referred", State.REJECTED, "不符合条件"),
    Capability.PUBLISH_NOTICE: _publish,
    Capability.HANDLE_OBJECTION: _objection,
    Capability.CLOSE_NOTICE: _close,
    Capability.FOLLOW_UP: _follow_up,
    Capability.GRANT_SUBSIDY: _subsidy,
    Capability.SEAL: _seal,
    Capability.UNLOCK: _unlock,
    Capability.STATION_KEYS: _keys,
    Capability.EDIT_REGIONS: _regions,
    Capability.STATION_SETTINGS: _settings,
    Capability.BACKUP_SETTINGS: _backup_folder,
    Capability.RESTORE_BACKUP: _restore,
    Capability.MANAGE_ACCOUNTS: _accounts,
    Capability.EXPORT_PACKAGE: _export_package,
    Capability.IMPORT_PACKAGE: _import_package,
    Capability.DECIDE_EXCHANGE: _decide,
}


def test_every_operation_has_a_call() -> None:
    assert set(CALLS) == set(Capability)


def _restored_fingerprint(scene: Scene) -> dict[str, object]:
    database = open_database(scene.file)
    try:
        return fingerprint(database)
    finally:
        database.dispose()


@pytest.mark.parametrize(("operation", "role", "mark"), CELLS)
def test_role_matrix(
    scene: tuple[Scene, Database], operation: Capability, role: Role, mark: str, tmp_path: Path
) -> None:
    the_scene, database = scene
    actor = actor_for(role, the_scene)
    call = CALLS[operation]
    if mark in ("✓", "本村"):
        call(database, actor, the_scene, tmp_path, "")
        return
    rule = PERMISSIONS[operation]
    before = fingerprint(database)
    expected = f"需要{roles_phrase(rule.roles)}权限才能{rule.what}（当前账号“{actor.name}”是{ROLE_LABELS[role]}）"
    with pytest.raises(PermissionDenied, match=re.escape(expected)):
        call(database, actor, the_scene, tmp_path, "")
    after = _restored_fingerprint(the_scene) if operation is Capability.RESTORE_BACKUP else fingerprint(database)
    assert after == before


@pytest.mark.parametrize("operation", OWN_VILLAGE)
def test_a_village_clerk_is_refused_in_another_village(scene: tuple[Scene, Database], operation: Capability) -> None:
    the_scene, database = scene
    actor = actor_for(Role.VILLAGE_CLERK, the_scene)
    before = fingerprint(database)
    with pytest.raises(PermissionDenied, match=r"村级录入员只能.*本村（北村）"):
        CALLS[operation](database, actor, the_scene, Path(the_scene.file).parent, "south_")
    assert fingerprint(database) == before


def test_a_legacy_database_checks_nothing(scene: tuple[Scene, Database]) -> None:
    """Without a 管理员 (the previous version's databases), a free-text name may take every step."""
    the_scene, database = scene
    with UnitOfWork(database, "测试员") as uow:
        uow.session.execute(text("update operator set disabled = 1 where role = 'admin'"))
        uow.commit()
    add_region(database, actor="王敏", code="371321001003", name="西村")
    result = take_step(database, actor="王敏", intention_ids=[the_scene.ids["referred"]], target=State.APPROVED)
    assert result.moved
    backup = back_up(database, folder=the_scene.file.parent / "备份").path
    database.dispose()
    assert restore_backup(target=the_scene.file, backup=backup, actor="王敏").households == 8


# --- what a 村级录入员 sees: their own village, in every read the services offer ---------------------------


def _south_person(database: Database, scene: Scene) -> tuple[str, uuid.UUID]:
    with database.session_factory() as session:
        number, household = session.execute(
            select(Person.id_number, Person.household_id)
            .join(Household, Person.household_id == Household.id)
            .where(Household.village_id == scene.south)
            .order_by(Person.id_number)
        ).first()  # type: ignore[misc]
    return number, household


def test_a_village_clerk_cannot_find_list_or_export_a_person_of_another_village(
    scene: tuple[Scene, Database], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from fupin_desktop.services.intention_list import IntentionFilter, count_intentions, fetch_intentions
    from fupin_desktop.services.printouts import print_visit_form
    from fupin_desktop.services.regions import region_nodes
    from fupin_desktop.services.roster_export import export_roster
    from fupin_desktop.services.search import HouseholdFilter, count_households, fetch_households, find_people
    from fupin_desktop.services.statistics import compute_statistics

    the_scene, database = scene
    village, clerk = actor_for(Role.VILLAGE_CLERK, the_scene), actor_for(Role.TOWNSHIP_CLERK, the_scene)
    number, south_household = _south_person(database, the_scene)
    with database.session_factory() as session:
        assert [m.village for m in find_people(session, number, viewer=clerk)] == ["南村"]
        assert find_people(session, number, viewer=village) == []
        assert {row[4] for row in fetch_households(session, HouseholdFilter(viewer=village), 0, 100)} == {"北村"}
        assert count_households(session, HouseholdFilter(text=number, viewer=village)) == 0
        assert count_households(session, HouseholdFilter(viewer=clerk)) == 8
        with pytest.raises(PermissionDenied, match="村级录入员只能查看本村（北村）的农户和成员"):
            count_households(session, HouseholdFilter(region_id=the_scene.south, viewer=village))
        rows = fetch_intentions(session, IntentionFilter(viewer=village), 0, 100)
        assert rows and {row.village for row in rows} == {"北村"}
        assert count_intentions(session, IntentionFilter(viewer=clerk)) == len(rows) + 1  # 南村's one
        assert [node.name for node in region_nodes(session, village)] == ["沂南县", "界湖街道", "北村"]
        assert len(region_nodes(session, clerk)) == 4
    exported = export_roster(database, flt=HouseholdFilter(viewer=village), out=tmp_path)
    assert exported.households == 6
    cells = {str(c) for row in load_workbook(exported.path).worksheets[0].iter_rows(values_only=True) for c in row}
    assert number not in cells and not any("南村" in cell for cell in cells)
    stats = compute_statistics(database, year=2026, today=TODAY, viewer=village)
    assert stats.area.region is not None and stats.area.region.name == "北村"
    with pytest.raises(PermissionDenied, match="本村（北村）"):
        print_visit_form(database, out_dir=tmp_path, household_id=south_household, viewer=village)
    # A sealed sheet of the township lists every village's people: not for a 村级录入员.
    assert [row.id for row in database.read(list_submissions, clerk)] == [the_scene.ids["submission"]]
    assert database.read(list_submissions, village) == []


def test_search_on_the_command_line_as_a_village_clerk(
    scene: tuple[Scene, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_cli import run_cli

    the_scene, database = scene
    number, _household = _south_person(database, the_scene)
    database.dispose()
    monkeypatch.setenv("FUPIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("FUPIN_USER", "village")
    hidden = run_cli("--db", str(the_scene.file), "search", number)
    assert hidden.returncode == 0 and "没有找到" in hidden.stdout
    monkeypatch.setenv("FUPIN_USER", "clerk")
    found = run_cli("--db", str(the_scene.file), "search", number)
    assert found.returncode == 0 and "南村" in found.stdout


def test_the_histories_show_the_accounts_by_their_display_names(scene: tuple[Scene, Database]) -> None:
    from fupin_desktop.services.audit import audit_history
    from fupin_desktop.services.intention_list import intention_history

    the_scene, database = scene
    CALLS[Capability.EDIT_HOUSEHOLDS](database, actor_for(Role.TOWNSHIP_CLERK, the_scene), the_scene, Path(), "")
    CALLS[Capability.APPROVE](database, actor_for(Role.REVIEWER, the_scene), the_scene, Path(), "")
    with database.session_factory() as session:
        edits = audit_history(session, "household", [the_scene.ids["household"]])
        steps = intention_history(session, the_scene.ids["referred"])
    assert edits[0].operator == "王经办（clerk）" and edits[0].new_value == "北村二组8号"
    assert steps[-1].operator == "李站长（reviewer）" and steps[-1].to_label == "审核通过"
    assert steps[0].operator == "王经办"  # a free-text name of before the accounts, as it was written


def test_every_household_use_case_refuses_another_village_in_the_same_words(scene: tuple[Scene, Database]) -> None:
    """登记、修改、删除、迁移 all say what a 走访 or an 意愿 says: the one sentence of the permission table."""
    the_scene, database = scene
    actor = actor_for(Role.VILLAGE_CLERK, the_scene)
    south_household, south_member = the_scene.ids["south_household"], the_scene.ids["south_free_person"]
    with database.session_factory() as session:
        household_row = session.get(Household, south_household)
        member_row = session.get(Person, south_member)
        assert household_row is not None and member_row is not None
        facts, member = household_facts(household_row), person_facts(member_row)
    newcomer = replace(member, name="钱新人", id_number="371321199001011234", relation="子女")
    calls: dict[str, Callable[[], object]] = {
        "登记农户": lambda: register_household(
            database, actor=actor, village_id=the_scene.south, facts=replace(facts, household_no="3713210010029999")
        ),
        "修改农户": lambda: edit_household(database, actor=actor, household_id=south_household, facts=facts),
        "删除农户": lambda: remove_household(database, actor=actor, household_id=south_household),
        "登记成员": lambda: register_person(database, actor=actor, household_id=south_household, facts=newcomer),
        "修改成员": lambda: edit_person(database, actor=actor, person_id=south_member, facts=member),
        "删除成员": lambda: remove_person(database, actor=actor, person_id=south_member),
        "迁出南村": lambda: relocate_person(
            database,
            actor=actor,
            person_id=south_member,
            target_household_id=the_scene.ids["household"],
            relation="子女",
        ),
        "迁入南村": lambda: relocate_person(
            database,
            actor=actor,
            person_id=the_scene.ids["free_person"],
            target_household_id=south_household,
            relation="子女",
        ),
    }
    expected = f"村级录入员只能在本村（北村）{PERMISSIONS[Capability.EDIT_HOUSEHOLDS].what}（账号“village”）。"
    visit = VisitInput(TODAY, "走访员", "入户走访", "了解培训意愿")
    with pytest.raises(PermissionDenied) as visit_refusal:
        save_visit(database, actor=actor, household_id=south_household, visit=visit)
    assert str(visit_refusal.value) == expected.replace(
        PERMISSIONS[Capability.EDIT_HOUSEHOLDS].what, PERMISSIONS[Capability.RECORD_VISIT].what
    )
    before = fingerprint(database)
    for name, call in calls.items():
        with pytest.raises(PermissionDenied) as refusal:
            call()
        assert str(refusal.value) == expected, name
    assert fingerprint(database) == before
