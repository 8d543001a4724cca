"""Signed sealed sheets: the forgery suite (own writers, recomputed digest, another station with the
same unit name, a never-issued number), key files, and verify's exit codes 0/1/2/3."""

from __future__ import annotations

import base64
import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from fupin_desktop.cli import main
from fupin_desktop.domain.signing import KEY_FILE_SUFFIX, read_key_folder
from fupin_desktop.export.pdf import write_pdf
from fupin_desktop.export.sheet import SheetContent, Signature
from fupin_desktop.export.verify import Verdict, verify_file
from fupin_desktop.export.xlsx import write_xlsx
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.station_keys import (
    export_station_key,
    known_keys_of,
    own_public_key,
    register_station_key,
    sign_digest,
)
from fupin_desktop.services.submissions import SealResult, seal_sheet, submission_content
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import Submission
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY

UNIT = "沂南县界湖街道人力资源和社会保障所"


def _seal(database: Database, out: Path, sheet: str = "training_list") -> SealResult:
    with UnitOfWork(database, "王经办") as uow:
        return seal_sheet(uow, SheetRequest(sheet), out, today=TODAY)


@pytest.fixture
def sealed(database: Database, village: uuid.UUID, tmp_path: Path) -> SealResult:
    fx.station(database, UNIT)
    fx.intentions(database, fx.people(database, village, 5), "training", fx.PATH_TO_PASSED)
    return _seal(database, tmp_path / "out")


@pytest.fixture
def county_keys(database: Database, sealed: SealResult, tmp_path: Path) -> Path:
    """The county's key folder holding this station's exported key."""
    folder = tmp_path / "county-keys"
    folder.mkdir()
    export_station_key(database, actor="王经办", out=folder)
    return folder


@pytest.fixture
def other_station(tmp_path: Path) -> Iterator[Database]:
    """A second station database with the very same unit name (anyone can type it)."""
    other = open_database(tmp_path / "other.db")
    fx.station(other, UNIT)
    yield other
    other.dispose()


def _content(database: Database, sealed: SealResult) -> SheetContent:
    with database.session_factory() as session:
        return submission_content(session, sealed.submission_id)


def _write(content: SheetContent, folder: Path, name: str, signature: Signature | None) -> tuple[Path, Path]:
    folder.mkdir(exist_ok=True)
    xlsx, pdf = folder / f"{name}.xlsx", folder / f"{name}.pdf"
    write_xlsx(content, xlsx, signature=signature)
    write_pdf(content, pdf, signature=signature)
    return xlsx, pdf


def test_a_sealed_sheet_is_signed_and_verifies_only_against_a_known_key(
    database: Database, sealed: SealResult, county_keys: Path, tmp_path: Path
) -> None:
    fingerprint = own_public_key_of(database)
    for path in (sealed.xlsx_path, sealed.pdf_path):
        result = verify_file(path, read_key_folder(county_keys))
        assert result.verdict == Verdict.INTACT, result.report()
        assert result.fingerprint == fingerprint and result.station == UNIT
        assert verify_file(path, known_keys_of(database)).verdict == Verdict.INTACT
        empty = verify_file(path, [])
        assert empty.verdict == Verdict.NOT_SIGNED_BY_KNOWN
        assert fingerprint in empty.message and "不在已知的站点密钥中" in empty.message
    pages = PdfReader(sealed.pdf_path).pages
    assert all(fingerprint in page.extract_text().replace("\n", "") for page in pages)
    assert [p.name for p in county_keys.iterdir()] == [f"{UNIT}-{fingerprint}{KEY_FILE_SUFFIX}"]


def own_public_key_of(database: Database) -> str:
    with database.session_factory() as session:
        return own_public_key(session).fingerprint


def test_own_writers_with_a_changed_person_and_a_recomputed_digest_give_3(
    database: Database, sealed: SealResult, county_keys: Path, tmp_path: Path
) -> None:
    keys = read_key_folder(county_keys)
    forged = _content(database, sealed)
    forged.rows[0][1] = "冒名顶替"
    with database.session_factory() as session:
        original = session.get_one(Submission, sealed.submission_id)
        stolen = Signature("ed25519", own_public_key(session).key, base64.b64decode(original.signature or ""))
    unsigned = _write(forged, tmp_path / "forged", "unsigned", None)
    resigned = _write(forged, tmp_path / "forged", "stolen-signature", stolen)
    for path in unsigned:
        result = verify_file(path, keys)
        assert result.verdict == Verdict.NOT_SIGNED_BY_KNOWN and "没有站点签名" in result.message
    for path in resigned:
        result = verify_file(path, keys)
        assert result.verdict == Verdict.NOT_SIGNED_BY_KNOWN and "签名与内容不符" in result.message


def test_another_station_with_the_same_unit_name_gives_3_until_its_key_is_registered(
    database: Database, sealed: SealResult, county_keys: Path, other_station: Database, tmp_path: Path
) -> None:
    theirs = _seal(other_station, tmp_path / "theirs", "progress_school")
    assert verify_file(theirs.pdf_path, read_key_folder(county_keys)).verdict == Verdict.NOT_SIGNED_BY_KNOWN
    assert verify_file(theirs.xlsx_path, known_keys_of(database)).verdict == Verdict.NOT_SIGNED_BY_KNOWN
    their_key = export_station_key(other_station, actor="外站", out=tmp_path / "their.fupinkey")
    assert their_key.key.unit_name == UNIT and their_key.key.fingerprint != own_public_key_of(database)
    added = register_station_key(database, actor="王经办", path=tmp_path / "their.fupinkey")
    assert added.added
    again = register_station_key(database, actor="王经办", path=tmp_path / "their.fupinkey")
    assert not again.added
    assert verify_file(theirs.xlsx_path, known_keys_of(database)).verdict == Verdict.INTACT


def test_a_never_issued_number_gives_3_whoever_signs_it(
    database: Database, sealed: SealResult, county_keys: Path, other_station: Database, tmp_path: Path
) -> None:
    keys = read_key_folder(county_keys)
    forged = _content(database, sealed)
    forged.number = "〔2026〕第999号"
    with other_station.session_factory() as session:  # signed properly, by a key the county does not hold
        assert forged.stamp is not None
        forged.stamp = dataclasses.replace(forged.stamp, fingerprint=own_public_key(session).fingerprint)
        foreign = sign_digest(session, forged.digest())
    for path in _write(forged, tmp_path / "f", "foreign", foreign):
        assert verify_file(path, keys).verdict == Verdict.NOT_SIGNED_BY_KNOWN
    # the county's own fingerprint printed, but signed with the other key
    forged.stamp = dataclasses.replace(forged.stamp, fingerprint=keys[0].fingerprint)
    with other_station.session_factory() as session:
        mismatched = sign_digest(session, forged.digest())
    for path in _write(forged, tmp_path / "f", "mismatched", mismatched):
        result = verify_file(path, keys)
        assert result.verdict == Verdict.NOT_SIGNED_BY_KNOWN and "指纹" in result.message


def test_a_key_file_that_is_not_one_is_refused(database: Database, tmp_path: Path) -> None:
    (tmp_path / "bad.fupinkey").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ServiceError, match="不是本程序导出的站点密钥文件"):
        register_station_key(database, actor="王经办", path=tmp_path / "bad.fupinkey")
    fx.station(database, UNIT)
    export_station_key(database, actor="王经办", out=tmp_path / "own.fupinkey")
    with pytest.raises(ServiceError, match="本站自己的密钥"):
        register_station_key(database, actor="王经办", path=tmp_path / "own.fupinkey")


def test_the_commands_exit_0_1_2_3(
    database: Database, sealed: SealResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(database.path)
    keys = tmp_path / "keys"
    keys.mkdir()
    assert main(["--db", db, "station-key", "export", str(keys)]) == 0
    assert "指纹" in capsys.readouterr().out
    assert main(["verify", str(sealed.pdf_path), "--keys", str(keys)]) == 0
    assert "与封存时完全一致" in capsys.readouterr().out
    assert main(["verify", str(sealed.xlsx_path), "--keys", str(tmp_path / "out")]) == 3  # no keys in there
    assert main(["--db", db, "verify", str(sealed.xlsx_path)]) == 0
    from openpyxl import load_workbook

    book = load_workbook(sealed.xlsx_path)
    book.worksheets[0]["B6"] = "李四"
    book.save(tmp_path / "edited.xlsx")
    assert main(["verify", str(tmp_path / "edited.xlsx"), "--keys", str(keys)]) == 1
    (tmp_path / "x.txt").write_text("x")
    assert main(["verify", str(tmp_path / "x.txt"), "--keys", str(keys)]) == 2
    assert main(["verify", str(sealed.pdf_path), "--keys", str(tmp_path / "missing")]) == 2
    capsys.readouterr()
    other = tmp_path / "other.db"
    assert main(["--db", str(other), "station-key", "import", str(next(keys.iterdir()))]) == 0
    assert main(["--db", str(other), "verify", str(sealed.pdf_path)]) == 0
    assert main(["--db", str(other), "station-key", "list"]) == 0
    assert UNIT in capsys.readouterr().out
