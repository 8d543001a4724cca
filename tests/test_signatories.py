"""Sealed sheets are signed by the accounts: 填表人 and its phone from the 乡镇经办人, 审核人 and 负责人 from
the 审核人 who seals; editable per sheet, carried in the snapshot, and the files still verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fupin_desktop.domain.accounts import Role
from fupin_desktop.export.verify import Verdict, verify_file
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.signatories import Signatories, signatories_for
from fupin_desktop.services.station_keys import known_keys_of
from fupin_desktop.services.submissions import seal_submission
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Submission
from tests.conftest import TODAY
from tests.test_cli import run_cli
from tests.test_roles import PASSWORD, Scene, actor_for, build_scene, copy_scene


@pytest.fixture(scope="module")
def station_template(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    return build_scene(tmp_path_factory.mktemp("signatories"))


@pytest.fixture
def station(station_template: Scene, tmp_path: Path) -> Iterator[tuple[Scene, Database]]:
    """The role matrix's scene: 12 people of 北村 at every step, 2 at 公示期满; one account per role."""
    the_scene, database = copy_scene(station_template, tmp_path)
    yield the_scene, database
    database.dispose()


def _snapshot_sign_off(database: Database, number: str) -> dict[str, str]:
    with database.session_factory() as session:
        rows = session.scalars(select(Submission)).all()
    for row in rows:
        data = json.loads(row.snapshot)
        if data["number"] == number:
            return dict(data["sign_off"])
    raise AssertionError(number)


def _sheet_text(path: Path) -> str:
    sheet = load_workbook(path).worksheets[0]
    return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)


def test_the_accounts_sign_the_sheet_by_default(station: tuple[Scene, Database], tmp_path: Path) -> None:
    the_scene, database = station
    reviewer = actor_for(Role.REVIEWER, the_scene)
    assert signatories_for(database, actor=reviewer) == Signatories("王经办", "13805391111", "李站长", "李站长")
    result = seal_submission(
        database, actor=reviewer, request=SheetRequest("training_list"), out_dir=tmp_path, today=TODAY
    )
    assert _snapshot_sign_off(database, result.number) | {"unit_name": "", "filled_on": ""} == {
        "unit_name": "",
        "filled_on": "",
        "operator": "王经办",
        "phone": "13805391111",
        "reviewer": "李站长",
        "head": "李站长",
    }
    text = _sheet_text(result.xlsx_path)
    assert "王经办" in text and "李站长" in text and "13805391111" in text
    keys = known_keys_of(database)
    assert verify_file(result.xlsx_path, keys).verdict == Verdict.INTACT
    assert verify_file(result.pdf_path, keys).verdict == Verdict.INTACT


def test_names_edited_for_one_sheet_are_printed_and_sealed(station: tuple[Scene, Database], tmp_path: Path) -> None:
    the_scene, database = station
    edited = Signatories(" 赵填表 ", "0539-3226666", "李站长", "王所长")
    result = seal_submission(
        database,
        actor=actor_for(Role.REVIEWER, the_scene),
        request=SheetRequest("training_list"),
        out_dir=tmp_path,
        today=TODAY,
        signatories=edited,
    )
    sign_off = _snapshot_sign_off(database, result.number)
    assert (sign_off["operator"], sign_off["phone"], sign_off["head"]) == ("赵填表", "0539-3226666", "王所长")
    assert "王所长" in _sheet_text(result.xlsx_path)
    assert verify_file(result.pdf_path, known_keys_of(database)).verdict == Verdict.INTACT


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (Signatories("", "13805391111", "李站长", "李站长"), "请填写填表人"),
        (Signatories("王经办", "12345", "李站长", "李站长"), "联系电话"),
        (Signatories("王经办", "", "李站长", "长" * 21), "负责人“"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_sealed(
    station: tuple[Scene, Database], tmp_path: Path, names: Signatories, message: str
) -> None:
    the_scene, database = station
    with database.session_factory() as session:
        before = len(session.scalars(select(Submission)).all())
    with pytest.raises(ServiceError, match=message):
        seal_submission(
            database,
            actor=actor_for(Role.REVIEWER, the_scene),
            request=SheetRequest("training_list"),
            out_dir=tmp_path,
            today=TODAY,
            signatories=names,
        )
    with database.session_factory() as session:
        assert len(session.scalars(select(Submission)).all()) == before
    assert not list(tmp_path.glob("*.xlsx"))


def test_seal_on_the_command_line_takes_the_names_as_options(
    station: tuple[Scene, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    the_scene, database = station
    database.dispose()
    monkeypatch.setenv("FUPIN_USER", "reviewer")
    monkeypatch.setenv("FUPIN_PASSWORD", PASSWORD)
    out = tmp_path / "out"
    sealed = run_cli(
        "--db", str(the_scene.file), "seal", "training_list", "--out", str(out), "--head", "王所长", "--phone", ""
    )
    assert sealed.returncode == 0, sealed.stderr
    assert "填表人 王经办（无电话） · 审核人 李站长 · 负责人 王所长" in sealed.stdout
    verified = run_cli("--db", str(the_scene.file), "verify", str(next(out.glob("*.pdf"))))
    assert verified.returncode == 0, verified.stdout + verified.stderr
