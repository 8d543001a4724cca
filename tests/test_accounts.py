"""Accounts, sign-in with lockout, the roles checked in the services and the four-eyes rule."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fupin_desktop.domain.accounts import Actor, Role, hash_password, password_matches
from fupin_desktop.domain.workflow import State
from fupin_desktop.services import accounts
from fupin_desktop.services.errors import PermissionDenied, SignInRefused
from fupin_desktop.services.households import register_household
from fupin_desktop.services.intentions import take_step
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.submissions import seal_submission, unlock_submission
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import AuditEntry, Household, Intention, Operator, Submission
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY, household, person
from tests.test_cli import run_cli

PASSWORD = "pw-1234"
ROLES = list(Role)
OTHER_VILLAGE_CODE = "371321001002"


def _accounts(database: Database, village: uuid.UUID) -> dict[Role, Actor]:
    """One signed-in account per role (the 村级录入员 of ``village``), made as an administrator would."""
    accounts.create_account(database, actor="初始化", name="admin", role=Role.ADMIN, password=PASSWORD)
    admin = accounts.sign_in(database, name="admin", password=PASSWORD)
    names = {Role.VILLAGE_CLERK: "village", Role.TOWNSHIP_CLERK: "clerk", Role.REVIEWER: "reviewer"}
    for role, name in names.items():
        accounts.create_account(
            database,
            actor=admin,
            name=name,
            role=role,
            password=PASSWORD,
            region_code="371321001001" if role is Role.VILLAGE_CLERK else None,
        )
    signed = {role: accounts.sign_in(database, name=name, password=PASSWORD) for role, name in names.items()}
    return {Role.ADMIN: admin, **signed}


def _audit_count(database: Database) -> int:
    with database.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


# --- passwords and sign-in -----------------------------------------------------------------------------


def test_a_password_is_stored_as_an_argon2id_hash_with_its_own_salt() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("argon2id$m=19456,t=2,p=1$") and first != second and PASSWORD not in first
    assert password_matches(PASSWORD, first) and password_matches(PASSWORD, second)
    assert not password_matches("pw-1235", first) and not password_matches(PASSWORD, "garbage")


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(database: Database, village: uuid.UUID) -> None:
    _accounts(database, village)
    now = datetime(2026, 12, 1, 8, 0)
    for attempt in range(4):
        with pytest.raises(SignInRefused, match="账号或密码不正确"):
            accounts.sign_in(database, name="clerk", password=f"wrong{attempt}", now=now)
    with pytest.raises(SignInRefused, match="密码错误5次，账号“clerk”已锁定15分钟"):
        accounts.sign_in(database, name="clerk", password="wrong5", now=now)
    with pytest.raises(SignInRefused, match="已锁定，请14分钟后再试"):
        accounts.sign_in(database, name="clerk", password=PASSWORD, now=now + timedelta(minutes=1))
    [row] = [r for r in accounts.list_accounts(database, now=now) if r.name == "clerk"]
    assert row.locked_until == now + timedelta(minutes=15)
    actor = accounts.sign_in(database, name="clerk", password=PASSWORD, now=now + timedelta(minutes=15, seconds=1))
    assert actor == Actor("clerk", Role.TOWNSHIP_CLERK, "", None)


def test_a_good_sign_in_clears_the_count_of_wrong_ones(database: Database, village: uuid.UUID) -> None:
    _accounts(database, village)
    for _ in range(4):
        with pytest.raises(SignInRefused):
            accounts.sign_in(database, name="clerk", password="nope")
    accounts.sign_in(database, name="clerk", password=PASSWORD)
    for _ in range(4):
        with pytest.raises(SignInRefused, match="账号或密码不正确"):
            accounts.sign_in(database, name="clerk", password="nope")
    assert accounts.sign_in(database, name="clerk", password=PASSWORD).role is Role.TOWNSHIP_CLERK


def test_an_administrator_unlocks_and_resets_and_nobody_else_may(database: Database, village: uuid.UUID) -> None:
    actors = _accounts(database, village)
    for _ in range(5):
        with pytest.raises(SignInRefused):
            accounts.sign_in(database, name="clerk", password="nope")
    with pytest.raises(PermissionDenied, match="需要管理员权限才能解锁账号（当前账号“reviewer”是审核人（站长））"):
        accounts.unlock_account(database, actor=actors[Role.REVIEWER], name="clerk")
    with pytest.raises(SignInRefused, match="已锁定"):
        accounts.sign_in(database, name="clerk", password=PASSWORD)
    accounts.unlock_account(database, actor=actors[Role.ADMIN], name="clerk")
    assert accounts.sign_in(database, name="clerk", password=PASSWORD).name == "clerk"

    accounts.reset_password(database, actor=actors[Role.ADMIN], name="clerk", password="new-pass")
    with pytest.raises(SignInRefused):
        accounts.sign_in(database, name="clerk", password=PASSWORD)
    accounts.change_password(database, name="clerk", old_password="new-pass", new_password="mine-now")
    assert accounts.sign_in(database, name="clerk", password="mine-now").name == "clerk"


def test_a_disabled_account_stays_listed_but_can_no_longer_sign_in_or_act(
    database: Database, village: uuid.UUID
) -> None:
    actors = _accounts(database, village)
    accounts.disable_account(database, actor=actors[Role.ADMIN], name="reviewer")
    with pytest.raises(SignInRefused, match="已停用"):
        accounts.sign_in(database, name="reviewer", password=PASSWORD)
    with pytest.raises(PermissionDenied, match="不存在或已停用"):
        take_step(database, actor=actors[Role.REVIEWER], intention_ids=[], target=State.APPROVED)
    [row] = [r for r in accounts.list_accounts(database) if r.name == "reviewer"]
    assert row.disabled and not row.can_sign_in
    with pytest.raises(Exception, match="已存在"):
        accounts.create_account(
            database, actor=actors[Role.ADMIN], name="reviewer", role=Role.REVIEWER, password=PASSWORD
        )


# --- the role matrix ---------------------------------------------------------------------------------------


@pytest.fixture
def referred(database: Database, village: uuid.UUID) -> dict[str, object]:
    """Accounts, and one training intention referred by the 乡镇经办人."""
    actors = _accounts(database, village)
    person_ids = fx.people(database, village, 2)
    [intention_id] = fx.intentions(database, person_ids[:1], "training", [])
    take_step(database, actor=actors[Role.TOWNSHIP_CLERK], intention_ids=[intention_id], target=State.REFERRED)
    return {"actors": actors, "intention": intention_id}


@pytest.mark.parametrize("role", ROLES)
def test_only_a_reviewer_approves_and_a_refusal_writes_nothing(
    database: Database, referred: dict[str, object], role: Role
) -> None:
    actors: dict[Role, Actor] = referred["actors"]  # type: ignore[assignment]
    intention_id: uuid.UUID = referred["intention"]  # type: ignore[assignment]
    before = _audit_count(database)
    if role is Role.REVIEWER:
        result = take_step(database, actor=actors[role], intention_ids=[intention_id], target=State.APPROVED)
        assert result.moved == [intention_id]
        return
    with pytest.raises(PermissionDenied, match=f"需要审核人（站长）权限才能审核通过（当前账号“{actors[role].name}”"):
        take_step(database, actor=actors[role], intention_ids=[intention_id], target=State.APPROVED)
    with database.session_factory() as session:
        assert session.get(Intention, intention_id).state == "REFERRED"  # type: ignore[union-attr]
    assert _audit_count(database) == before


def test_a_plain_name_may_not_approve_once_accounts_exist(database: Database, referred: dict[str, object]) -> None:
    intention_id: uuid.UUID = referred["intention"]  # type: ignore[assignment]
    with pytest.raises(PermissionDenied, match="需要审核人（站长）权限才能审核通过：请先以账号登录"):
        take_step(database, actor="reviewer", intention_ids=[intention_id], target=State.APPROVED)


def test_four_eyes_nobody_approves_a_referral_they_made(database: Database, referred: dict[str, object]) -> None:
    actors: dict[Role, Actor] = referred["actors"]  # type: ignore[assignment]
    accounts.create_account(database, actor=actors[Role.ADMIN], name="站长二", role=Role.REVIEWER, password=PASSWORD)
    second = accounts.sign_in(database, name="站长二", password=PASSWORD)
    person_ids = fx.people(database, referred_village(database), 4, start=1)
    [own] = fx.intentions(database, person_ids[:1], "training", [])
    reviewer = actors[Role.REVIEWER]
    take_step(database, actor=reviewer, intention_ids=[own], target=State.REFERRED)
    mine = take_step(database, actor=reviewer, intention_ids=[own], target=State.APPROVED)
    assert mine.moved == []
    assert [r.reason for r in mine.refused] == ["不能审核通过自己推荐的意愿（四眼原则）：须由另一位审核人审核"]
    theirs = take_step(database, actor=second, intention_ids=[own, referred["intention"]], target=State.APPROVED)
    assert set(theirs.moved) == {own, referred["intention"]}


def referred_village(database: Database) -> uuid.UUID:
    with database.session_factory() as session:
        return session.scalars(select(Household.village_id)).first()  # type: ignore[return-value]


@pytest.fixture
def passed(database: Database, village: uuid.UUID) -> dict[Role, Actor]:
    """Intentions at 公示期满, ready to seal, and one account per role."""
    fx.station(database)
    person_ids = fx.people(database, village, 4)
    fx.intentions(database, person_ids, "training", fx.PATH_TO_PASSED)
    return _accounts(database, village)


@pytest.mark.parametrize("role", ROLES)
def test_only_a_reviewer_seals_and_unlocks_for_correction(
    database: Database, passed: dict[Role, Actor], role: Role, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = _audit_count(database)
    if role is not Role.REVIEWER:
        with pytest.raises(PermissionDenied, match="需要审核人（站长）权限才能封存上报表"):
            seal_submission(
                database, actor=passed[role], request=SheetRequest("training_list"), out_dir=out, today=TODAY
            )
        assert list(out.iterdir()) == [] and _audit_count(database) == before
        with database.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(Submission)) == 0
    sealed = seal_submission(
        database, actor=passed[Role.REVIEWER], request=SheetRequest("training_list"), out_dir=out, today=TODAY
    )
    with database.session_factory() as session:
        assert session.get(Submission, sealed.submission_id).sealed_by == "reviewer"  # type: ignore[union-attr]
    if role is Role.REVIEWER:
        unlocked = unlock_submission(
            database, actor=passed[role], submission_id=sealed.submission_id, reason="身份证号录错"
        )
        assert unlocked == 4
        return
    before = _audit_count(database)
    with pytest.raises(PermissionDenied, match="需要审核人（站长）权限才能解锁更正"):
        unlock_submission(database, actor=passed[role], submission_id=sealed.submission_id, reason="身份证号录错")
    assert _audit_count(database) == before


@pytest.mark.parametrize("role", ROLES)
def test_only_an_administrator_manages_accounts(database: Database, village: uuid.UUID, role: Role) -> None:
    actors = _accounts(database, village)
    if role is Role.ADMIN:
        accounts.create_account(database, actor=actors[role], name="新人", role=Role.TOWNSHIP_CLERK, password=PASSWORD)
        assert "新人" in [row.name for row in accounts.list_accounts(database)]
        return
    before = _audit_count(database)
    with pytest.raises(PermissionDenied, match="需要管理员权限才能管理账号"):
        accounts.create_account(database, actor=actors[role], name="新人", role=Role.ADMIN, password=PASSWORD)
    with pytest.raises(PermissionDenied, match="需要管理员权限才能管理账号"):
        accounts.disable_account(database, actor=actors[role], name="clerk")
    with pytest.raises(PermissionDenied, match="需要管理员权限才能重置密码"):
        accounts.reset_password(database, actor=actors[role], name="clerk", password="taken-over")
    assert _audit_count(database) == before
    assert "新人" not in [row.name for row in accounts.list_accounts(database)]


@pytest.mark.parametrize("role", [role for role in ROLES if role is not Role.ADMIN])  # 管理员: no data entry
def test_a_village_clerk_enters_households_of_their_own_village_only(
    database: Database, village: uuid.UUID, role: Role
) -> None:
    actors = _accounts(database, village)
    with UnitOfWork(database, "测试员") as uow:
        other = create_region(uow, "南村", "village", _township_of(database, village), OTHER_VILLAGE_CODE)
        uow.commit()
    own = register_household(database, actor=actors[role], village_id=village, facts=household(), on=TODAY)
    assert own.id is not None
    elsewhere = household("3713210010020001", person("赵大山", "户主", date(1968, 2, 3), 31))
    if role is not Role.VILLAGE_CLERK:
        register_household(database, actor=actors[role], village_id=other, facts=elsewhere, on=TODAY)
        return
    before = _audit_count(database)
    with pytest.raises(PermissionDenied, match="村级录入员只能在本村（北村）登记或修改农户和成员"):
        register_household(database, actor=actors[role], village_id=other, facts=elsewhere, on=TODAY)
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Household).where(Household.village_id == other)) == 0
    assert _audit_count(database) == before


def _township_of(database: Database, village: uuid.UUID) -> uuid.UUID:
    from fupin_desktop.store.models import Region

    with database.session_factory() as session:
        region = session.get(Region, village)
        assert region is not None and region.parent_id is not None
        return region.parent_id


def test_without_an_administrator_account_nothing_is_checked(database: Database, village: uuid.UUID) -> None:
    """A database of the previous version: free-text names do everything, as before."""
    person_ids = fx.people(database, village, 2)
    [intention_id] = fx.intentions(database, person_ids[:1], "training", [])
    take_step(database, actor="李站长", intention_ids=[intention_id], target=State.REFERRED)
    assert take_step(database, actor="李站长", intention_ids=[intention_id], target=State.APPROVED).moved
    with database.session_factory() as session:
        assert not accounts.accounts_in_force(session)


# --- an old database ------------------------------------------------------------------------------------


def test_an_old_database_keeps_its_operator_and_gets_an_administrator_when_one_is_made(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from fupin_desktop.store.db import _alembic_config

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003_signing")
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute(
            "insert into operator (id, name, role, created_at) values (?, '王敏', 'admin', '2026-11-01 08:00:00')",
            (uuid.uuid4().hex,),
        )
    database = open_database(path)
    try:
        with database.session_factory() as session:
            assert not accounts.accounts_in_force(session)
            [old] = session.scalars(select(Operator)).all()
            assert (old.name, old.password_hash, old.disabled, old.failed_attempts) == ("王敏", None, False, 0)
        with pytest.raises(SignInRefused):
            accounts.sign_in(database, name="王敏", password="")
        accounts.create_account(database, actor="王敏", name="王敏", role=Role.ADMIN, password=PASSWORD)
        with database.session_factory() as session:
            assert accounts.accounts_in_force(session)
            assert session.scalar(select(func.count()).select_from(Operator)) == 1
        assert accounts.sign_in(database, name="王敏", password=PASSWORD).role is Role.ADMIN
    finally:
        database.dispose()


# --- the command line -------------------------------------------------------------------------------------


def test_the_command_line_signs_in_with_and_without_the_password_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "demo.db")
    made = run_cli("--db", db, "demo", "--households", "20", "--password", "s3cret")
    assert made.returncode == 0, made.stderr
    assert "reviewer  审核人（站长）" in made.stdout and "village  村级录入员" in made.stdout

    monkeypatch.setenv("FUPIN_PASSWORD", "s3cret")
    monkeypatch.delenv("FUPIN_USER")
    listed = run_cli("--db", db, "--user", "admin", "user", "list")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["admin", "reviewer", "clerk", "village"]

    nobody = run_cli("--db", db, "user", "list")
    assert nobody.returncode == 1
    assert nobody.stderr == "错误：此数据库已启用账号：请用 --user 账号（或环境变量 FUPIN_USER）登录。\n"

    monkeypatch.setenv("FUPIN_PASSWORD", "wrong")
    wrong = run_cli("--db", db, "--user", "admin", "user", "list")
    assert (wrong.returncode, wrong.stderr) == (1, "错误：账号或密码不正确。\n")

    monkeypatch.delenv("FUPIN_PASSWORD")
    no_terminal = run_cli("--db", db, "--user", "admin", "user", "list")
    assert no_terminal.returncode == 1 and "FUPIN_PASSWORD" in no_terminal.stderr
    assert "Traceback" not in no_terminal.stderr


def test_user_commands_add_refuse_and_unlock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "station.db")
    monkeypatch.setenv("FUPIN_PASSWORD", "first-pass")
    assert run_cli("--db", db, "init", "--admin", "王敏").returncode == 0
    monkeypatch.setenv("FUPIN_USER", "王敏")
    monkeypatch.setenv("FUPIN_NEW_PASSWORD", "clerk-pass")
    added = run_cli("--db", db, "user", "add", "小李", "--role", "乡镇经办人", "--phone", "13800000000")
    assert (added.returncode, added.stdout) == (0, "已新建账号：小李（乡镇经办人）\n"), added.stderr
    no_village = run_cli("--db", db, "user", "add", "村一", "--role", "村级录入员")
    assert no_village.returncode == 1 and "须指定所属村" in no_village.stderr
    bad_role = run_cli("--db", db, "user", "add", "某人", "--role", "局长")
    monkeypatch.delenv("FUPIN_NEW_PASSWORD")
    no_password = run_cli("--db", db, "user", "add", "某人", "--role", "审核人")
    assert no_password.returncode == 1 and "FUPIN_NEW_PASSWORD" in no_password.stderr
    assert bad_role.returncode == 1 and "没有角色“局长”" in bad_role.stderr

    monkeypatch.setenv("FUPIN_USER", "小李")
    monkeypatch.setenv("FUPIN_PASSWORD", "not-it")
    for _ in range(5):
        assert run_cli("--db", db, "user", "list").returncode == 1
    monkeypatch.setenv("FUPIN_PASSWORD", "clerk-pass")
    locked = run_cli("--db", db, "user", "list")
    assert locked.returncode == 1 and "已锁定" in locked.stderr
    refused = run_cli("--db", db, "--user", "王敏", "user", "unlock", "小李")
    assert refused.returncode == 1  # FUPIN_PASSWORD is 小李's, not the administrator's
    monkeypatch.setenv("FUPIN_PASSWORD", "first-pass")
    unlocked = run_cli("--db", db, "--user", "王敏", "user", "unlock", "小李")
    assert unlocked.returncode == 0, unlocked.stderr
    monkeypatch.setenv("FUPIN_PASSWORD", "clerk-pass")
    listed = run_cli("--db", db, "user", "list")
    assert listed.returncode == 0 and "小李  乡镇经办人  13800000000" in listed.stdout


def test_the_history_names_an_account_by_its_display_name_and_keeps_old_names(
    database: Database, village: uuid.UUID
) -> None:
    from fupin_desktop.services.audit import audit_history

    old = register_household(database, actor="王经办", village_id=village, facts=household(), on=TODAY)
    admin = _accounts(database, village)[Role.ADMIN]
    accounts.create_account(
        database, actor=admin, name="li", role=Role.TOWNSHIP_CLERK, password=PASSWORD, display_name="李经办"
    )
    li = accounts.sign_in(database, name="li", password=PASSWORD)
    from fupin_desktop.services.households import edit_household

    changed = household()
    changed.phone = "13900000000"
    edit_household(database, actor=li, household_id=old.id, facts=changed, on=TODAY)
    with database.session_factory() as session:
        names = {row.operator for row in audit_history(session, "household", [old.id])}
    assert names == {"王经办", "李经办（li）"}


def test_an_account_s_label_has_one_bracket_level() -> None:
    assert Actor("li", Role.REVIEWER, "李站长").label == "李站长（审核人·站长）"
    assert Actor("wang", Role.TOWNSHIP_CLERK).label == "wang（乡镇经办人）"
    assert Actor("老张").label == "老张"
