"""Sealing (封存) summary sheets for upward submission, corrections (更正), and draft exports.

Sealing is one transaction: the people move to 已上报 and are locked, the next number of the unit
and year is taken from its counter row, the rows are frozen as canonical JSON stamped with the
sealing time, the station key's fingerprint and the audit chain head, and the digest is signed.
Both files are written under temporary names (``.sealing-<id>-<pid>``, which ``verify`` refuses)
before the commit and renamed only after it. While they are written the seal holds its unit's counter
row and the rows of the records it seals (their 已上报 step and ``locked`` are flushed first), not the
audit chain head nor the site's change counter: those it takes for its short final commit, so that on a
server other clerks' saves are not held up by a long seal. On a SQLite file the first write of the seal
takes the file's one write lock for the whole seal; another writer waits its busy timeout and is told
the file is busy, with nothing written. A crash before the commit leaves no record and only
temporary files, which the next start removes; a crash after it leaves a record whose temporary
files the next start renames. A number is therefore never on two files that verify.
"""

from __future__ import annotations

import base64
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, insert, select, update
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.ownership import owner_label
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.workflow import State
from fupin_desktop.export.sheet import SealStamp, SheetContent, Signature, correction_note
from fupin_desktop.services.accounts import Who, actor_name, permit, village_scope
from fupin_desktop.services.errors import NotFound, ServiceError
from fupin_desktop.services.intentions import transition
from fupin_desktop.services.scope import visible_region
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.services.sheets import FORMS, SheetRequest, build_sheet, sheet_form
from fupin_desktop.services.signatories import Signatories, checked_signatories, default_signatories
from fupin_desktop.services.station_keys import own_public_key, sign_digest
from fupin_desktop.store import chain
from fupin_desktop.store.changes import own_site_kind, write_flag
from fupin_desktop.store.db import Database
from fupin_desktop.store.locks import SEAL_WAIT, insert_if_missing, patient
from fupin_desktop.store.models import Intention, Person, Submission, SubmissionCounter, SubmissionItem
from fupin_desktop.store.uow import UnitOfWork

Progress = Callable[[int, int, str], None]
_CHUNK = 500


def number_text(year: int, number: int) -> str:
    return f"〔{year}〕第{number}号"


@dataclass(frozen=True)
class SealResult:
    submission_id: uuid.UUID
    number: str
    digest: str
    row_count: int
    xlsx_path: Path
    pdf_path: Path


@dataclass(frozen=True)
class SubmissionRow:
    """One line of the 上报 list."""

    id: uuid.UUID
    number: str
    sheet_code: str
    sheet_title: str
    row_count: int
    sealed_at: datetime
    sealed_by: str
    digest: str
    replaces: str | None
    replaced_by: str | None
    xlsx_path: str | None
    pdf_path: str | None


def _safe_name(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text)


def unfinished_name(submission_id: uuid.UUID, suffix: str) -> str:
    """The temporary name a sealed file has until its seal is committed (``verify`` refuses it)."""
    return f".sealing-{submission_id.hex}-{os.getpid()}{suffix}"


def _write_files(
    content: SheetContent,
    tmp_xlsx: Path,
    tmp_pdf: Path,
    progress: Progress | None,
    signature: Signature | None = None,
) -> None:
    """Write xlsx and PDF; on failure remove what was written."""
    from fupin_desktop.export.pdf import write_pdf
    from fupin_desktop.export.xlsx import write_xlsx

    tmp_xlsx.parent.mkdir(parents=True, exist_ok=True)
    rows = len(content.rows)
    try:
        write_xlsx(
            content,
            tmp_xlsx,
            signature=signature,
            progress=(lambda d, t: progress(d, t * 2, "正在写入Excel文件……")) if progress else None,
        )
        if progress:
            progress(rows, rows * 2 or 1, "正在写入PDF文件……")
        write_pdf(
            content,
            tmp_pdf,
            signature=signature,
            progress=(lambda d, t: progress(t + d, t * 2, "正在写入PDF文件……")) if progress else None,
        )
    except BaseException:
        for path in (tmp_xlsx, tmp_pdf):
            path.unlink(missing_ok=True)
        raise


def _write_both(content: SheetContent, out_dir: Path, stem: str, progress: Progress | None) -> tuple[Path, Path]:
    """A draft: written under temporary names, then renamed."""
    final_xlsx, final_pdf = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.pdf"
    tmp_xlsx, tmp_pdf = out_dir / f".{stem}.{os.getpid()}.tmp.xlsx", out_dir / f".{stem}.{os.getpid()}.tmp.pdf"
    _write_files(content, tmp_xlsx, tmp_pdf, progress)
    os.replace(tmp_xlsx, final_xlsx)
    os.replace(tmp_pdf, final_pdf)
    return final_xlsx, final_pdf


def export_draft(
    session: Session,
    request: SheetRequest,
    out_dir: Path,
    *,
    today: date | None = None,
    progress: Progress | None = None,
    viewer: Who | None = None,
) -> tuple[Path, Path]:
    """A draft (草稿, unsealed, unnumbered) xlsx and PDF of one sheet; changes nothing in the database. A
    村级录入员 ``viewer`` gets their own village's sheet."""
    day = today or clock_today()
    if viewer is not None:
        request = replace(request, region_id=visible_region(session, viewer, request.region_id))
    built = build_sheet(session, request, load_station_profile(session), day)
    return _write_both(built.content, out_dir, _safe_name(f"{built.content.title}（草稿）"), progress)


def _reserve_number(session: Session, unit_name: str, year: int) -> int:
    """Take the next number of the unit and year from its counter row, first thing in the sealing transaction.

    The UPDATE takes the database's write lock (SQLite) or the row's lock (PostgreSQL) before anything
    is read for the sheet: a second seal of the unit at the same moment waits (up to ``SEAL_WAIT``) until
    this one commits, then reads what it sealed and takes the number after it."""
    table: Table = SubmissionCounter.__table__
    where = (table.c.unit_name == unit_name) & (table.c.year == year)
    with patient(session, SEAL_WAIT):
        # An UPDATE's result is a CursorResult, with the row count (Session.execute is typed for any result).
        touched = cast(
            "CursorResult[*tuple[Any, ...]]",
            session.execute(update(table).where(where).values(last_number=table.c.last_number + 1)),
        )
        if touched.rowcount == 0:  # the unit's first seal of the year; another client may be making it too
            insert_if_missing(session, table, {"unit_name": unit_name, "year": year, "last_number": 0})
            session.execute(update(table).where(where).values(last_number=table.c.last_number + 1))
    issued = session.scalar(
        select(func.max(Submission.number)).where(Submission.unit_name == unit_name, Submission.year == year)
    )
    number = session.scalar(select(table.c.last_number).where(where))
    assert number is not None
    if issued is not None and number <= issued:  # a counter behind the register (a file restored in part)
        number = issued + 1
        session.execute(update(table).where(where).values(last_number=number))
    return int(number)


def _chunks(ids: list[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def refuse_away_from_a_station(session: Session, what: str) -> None:
    """Sealing and unlocking lock and free the township's people and intentions, which only its station owns
    (docs/sites.md): a county or a laptop that did it would only send the station a question for each record."""
    kind = own_site_kind(session)
    if kind == "station":
        return
    if kind == "county":
        raise ServiceError(
            f"本站是县局，不能{what}上报表：上报表由人社所审核、封存后报送县局"
            "（封存会锁定乡镇的人员和意愿）；收到的上报表请用“核验文件…”（命令 verify）核对。"
        )
    raise ServiceError(f"本站是{owner_label(kind)}，不能{what}上报表：上报表由人社所审核、封存后报送。")


def seal_sheet(
    uow: UnitOfWork,
    request: SheetRequest,
    out_dir: Path,
    *,
    today: date | None = None,
    replaces_id: uuid.UUID | None = None,
    progress: Progress | None = None,
    signatories: Signatories | None = None,
) -> SealResult:
    """Seal one sheet and commit the unit of work; nothing is kept (record or file) if any step fails.
    ``signatories`` (填表人, 联系电话, 审核人, 负责人) replace the station profile's on the sheet."""
    session = uow.session
    refuse_away_from_a_station(session, "封存")
    day = today or clock_today()
    profile = load_station_profile(session)
    if not profile.unit_name.strip():
        raise ServiceError(
            "请先在“设置 → 本站信息”中填写填表单位（单位全称；命令行：fupin-desktop profile --unit 单位全称），"
            "再封存上报表。"
        )
    form = sheet_form(request.sheet)
    year = day.year
    number = _reserve_number(session, profile.unit_name, year)  # first: two seals at once take turns here
    tidy_unfinished_seals(session, [out_dir])
    replaced: Submission | None = None
    if replaces_id is not None:
        replaced = session.get(Submission, replaces_id)
        if replaced is None:
            raise NotFound("要更正的上报表已不存在，请刷新列表。")
        _refuse_replaced(session, replaced)
        if replaced.sheet_code != request.sheet:
            raise ServiceError("更正版必须与被更正的上报表是同一种表。")
        request = _correction_request(session, replaced)
    if progress:
        progress(0, 0, "正在读取数据……")
    built = build_sheet(session, request, profile, day)
    content = built.content
    if signatories is not None:
        content.sign_off = replace(
            content.sign_off,
            operator=signatories.operator,
            phone=signatories.phone,
            reviewer=signatories.reviewer,
            head=signatories.head,
        )
    if form.people and not built.items:
        raise ServiceError(
            f"没有可以上报的人员：{form.title}只收录“公示期满”且无未处理异议的人员，"
            "以及已在其他表上报、尚未列入本表的人员。"
        )

    intention_ids = [iid for iid, _pid in built.items]
    person_ids = list(dict.fromkeys(pid for _iid, pid in built.items))
    if form.people:
        # The state is compared here, not in SQL: with both conditions SQLite walks the state index
        # (every 公示期满 row of the county, once per chunk) instead of looking up the 500 ids.
        ready = [
            iid
            for chunk in _chunks(intention_ids)
            for iid, state in session.execute(select(Intention.id, Intention.state).where(Intention.id.in_(chunk)))
            if state == State.NOTICE_PASSED.value
        ]
        # The guards of this step read objections and 公示 batches only, which the step itself does not
        # change: no need to flush the pending transitions before each of their queries.
        with session.no_autoflush:
            result = transition(uow, ready, State.SUBMITTED, on=day)
        if result.refused:
            raise ServiceError("以下人员不能上报，未封存任何内容：\n" + result.summary())

    content.number = number_text(year, number)
    content.replaces = number_text(replaced.year, replaced.number) if replaced else None
    # The head is read, not taken: the seal holds only its counter row and the rows it seals while it writes
    # its files (a county list: a quarter of a minute), and takes the head for its commit alone, so other
    # clients' saves go on meanwhile. The sheet names the history it was read from; its own 已上报 steps
    # and its creation are appended after that head when it commits.
    head = chain.current_head(session)
    sealed_at = utc_now()
    content.stamp = SealStamp(
        sealed_at=chain.time_text(sealed_at),
        fingerprint=own_public_key(session).fingerprint,
        chain_head=chain.short(head),
        replaces_reason=replaced.unlock_reason if replaced else None,
    )
    note = correction_note(content)
    if note is not None:
        content.notes = [*content.notes, note]
    digest = content.digest()
    signature = sign_digest(session, digest)
    submission = Submission(
        id=uuid.uuid4(),
        sheet_code=form.code,
        unit_name=profile.unit_name,
        year=year,
        number=number,
        replaces_id=replaced.id if replaced else None,
        region_id=request.region_id,
        sealed_at=sealed_at,
        sealed_by=uow.operator,
        row_count=len(content.rows),
        digest=digest,
        snapshot=content.canonical_bytes().decode("utf-8"),
        key_fingerprint=content.stamp.fingerprint,
        signature=base64.b64encode(signature.value).decode("ascii"),
        chain_head=head,
    )
    session.add(submission)
    session.flush()
    if built.items:
        session.execute(
            insert(SubmissionItem),
            [
                {"id": uuid.uuid4(), "submission_id": submission.id, "intention_id": i, "person_id": p}
                for i, p in built.items
            ],
        )
        write_flag(session, Person, list(person_ids), "locked", True)  # logged: packages carry the seal
        write_flag(session, Intention, list(intention_ids), "locked", True)
    uow.audit("create", "submission", submission.id, "number", None, f"{content.number} {content.title}")

    stem = _safe_name(f"{content.title}{content.number}")
    xlsx_path, pdf_path = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.pdf"
    tmp_xlsx = out_dir / unfinished_name(submission.id, ".xlsx")
    tmp_pdf = out_dir / unfinished_name(submission.id, ".pdf")
    _write_files(content, tmp_xlsx, tmp_pdf, progress, signature)
    try:
        submission.xlsx_path = str(xlsx_path)
        submission.pdf_path = str(pdf_path)
        uow.commit()
    except BaseException:
        tmp_xlsx.unlink(missing_ok=True)
        tmp_pdf.unlink(missing_ok=True)
        raise
    try:
        os.replace(tmp_xlsx, xlsx_path)
        os.replace(tmp_pdf, pdf_path)
    except OSError as error:
        raise ServiceError(
            f"{content.number}已封存，但文件未能改为正式文件名（{error.strerror}）；下次启动程序时会自动完成。"
        ) from error
    return SealResult(submission.id, content.number, digest, len(content.rows), xlsx_path, pdf_path)


@dataclass(frozen=True)
class TidyResult:
    completed: list[Path]  # renamed: their seal had been committed
    removed: list[Path]  # deleted: their seal never was


_UNFINISHED = re.compile(r"^\.sealing-(?P<id>[0-9a-f]{32})-(?P<pid>\d+)(?P<suffix>\.xlsx|\.pdf)$")
_STALE_AFTER = 3600.0  # seconds: where a process cannot be asked whether it still runs (Windows)


def _still_sealing(pid: int, path: Path) -> bool:
    """Whether the process that wrote ``path`` may still be sealing (then its files are left alone)."""
    if pid == os.getpid():
        return False
    if os.name != "posix":
        return time.time() - path.stat().st_mtime < _STALE_AFTER
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tidy_unfinished_seals(session: Session, folders: list[Path]) -> TidyResult:
    """Finish or remove what interrupted seals left in ``folders``: a file whose seal was committed
    gets its final name, any other is deleted."""
    result = TidyResult([], [])
    for folder in dict.fromkeys(folders):
        try:
            candidates = [p for p in folder.iterdir() if _UNFINISHED.match(p.name)]
        except OSError:
            continue
        for path in candidates:
            found = _UNFINISHED.match(path.name)
            assert found is not None
            try:
                if _still_sealing(int(found["pid"]), path):
                    continue
                submission = session.get(Submission, uuid.UUID(found["id"]))
                final = None
                if submission is not None:
                    final = submission.xlsx_path if found["suffix"] == ".xlsx" else submission.pdf_path
                if final and not Path(final).exists():
                    os.replace(path, final)
                    result.completed.append(Path(final))
                else:
                    path.unlink()
                    result.removed.append(path)
            except OSError:
                continue
    return result


def tidy_after_crash(database: Database, *, extra: list[Path] | None = None) -> TidyResult:
    """At start: the folders of every sealed sheet (and ``extra``) tidied of interrupted seals."""
    with database.session_factory() as session:
        paths = session.scalars(select(Submission.pdf_path).where(Submission.pdf_path.is_not(None)))
        folders = [Path(p).parent for p in paths if p] + list(extra or [])
        return tidy_unfinished_seals(session, folders)


def _refuse_replaced(session: Session, submission: Submission) -> None:
    newer = session.scalar(select(Submission).where(Submission.replaces_id == submission.id))
    if newer is not None:
        raise ServiceError(
            f"{number_text(submission.year, submission.number)}已由{number_text(newer.year, newer.number)}更正，"
            "请更正最新的一版。"
        )


def _correction_request(session: Session, replaced: Submission) -> SheetRequest:
    """The same sheet, area and period as the one replaced, carrying its people."""
    content = SheetContent.from_canonical(_snapshot(replaced))
    params = content.params
    carried = tuple(
        session.scalars(
            select(SubmissionItem.intention_id).where(
                SubmissionItem.submission_id == replaced.id, SubmissionItem.intention_id.is_not(None)
            )
        )
    )
    return SheetRequest(
        sheet=replaced.sheet_code,
        region_id=replaced.region_id,
        start=date.fromisoformat(params["start"]) if "start" in params else None,
        end=date.fromisoformat(params["end"]) if "end" in params else None,
        carried_intentions=tuple(i for i in carried if i is not None),
    )


def _snapshot(submission: Submission) -> dict[str, object]:
    import json

    data: dict[str, object] = json.loads(submission.snapshot)
    return data


def unlock_for_correction(uow: UnitOfWork, submission_id: uuid.UUID, *, reason: str) -> int:
    """Let the people of a sealed sheet be edited again before its correction is sealed.

    The reason is required; it is kept with the sheet and printed on its correction. People and
    intentions also on another sheet still in force stay locked. Returns how many people were unlocked.
    """
    reason = " ".join(reason.split())
    if len(reason) < 2:
        raise ServiceError("解锁更正须写明原因（例如“张三的身份证号录错”），原因将印在更正版上。")
    if len(reason) > 200:
        raise ServiceError("更正原因请不超过200字。")
    session = uow.session
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound("该上报表已不存在，请刷新列表。")
    _refuse_replaced(session, submission)
    replaced_ids = select(Submission.replaces_id).where(Submission.replaces_id.is_not(None))
    elsewhere = select(SubmissionItem.person_id).where(
        SubmissionItem.submission_id != submission.id,
        SubmissionItem.submission_id.not_in(replaced_ids),
        SubmissionItem.person_id.is_not(None),
    )
    items = session.execute(
        select(SubmissionItem.person_id, SubmissionItem.intention_id).where(
            SubmissionItem.submission_id == submission.id
        )
    ).all()
    blocked = set(session.scalars(elsewhere))
    # An intention may be on several sheets (per-sheet 已上报): it too stays locked while another holds it.
    held = set(session.scalars(elsewhere.with_only_columns(SubmissionItem.intention_id)))
    people = [p for p, _i in items if p is not None and p not in blocked]
    intentions = [i for _p, i in items if i is not None and i not in held]
    write_flag(session, Person, people, "locked", False)
    write_flag(session, Intention, intentions, "locked", False)
    previous = submission.unlock_reason
    submission.unlock_reason = reason
    uow.audit("update", "submission", submission.id, "locked", "封存", "更正中（已解锁）")
    uow.audit("update", "submission", submission.id, "unlock_reason", previous, reason)
    return len(people)


def list_submissions(session: Session, viewer: Who | None = None) -> list[SubmissionRow]:
    """Every sealed sheet, newest first, with what it replaces and what replaced it. None for a 村级录入员:
    a township's sheet lists the people of every village (their ID numbers on the list sheets)."""
    if viewer is not None and village_scope(session, viewer) is not None:
        return []
    rows = session.execute(
        select(
            Submission.id,
            Submission.year,
            Submission.number,
            Submission.sheet_code,
            Submission.row_count,
            Submission.sealed_at,
            Submission.sealed_by,
            Submission.digest,
            Submission.replaces_id,
            Submission.xlsx_path,
            Submission.pdf_path,
        ).order_by(Submission.sealed_at.desc(), Submission.number.desc())
    ).all()
    numbers = {r[0]: number_text(r[1], r[2]) for r in rows}
    replaced_by = {r[8]: numbers[r[0]] for r in rows if r[8] is not None}
    return [
        SubmissionRow(
            id=r[0],
            number=numbers[r[0]],
            sheet_code=r[3],
            sheet_title=FORMS[r[3]].title if r[3] in FORMS else r[3],
            row_count=r[4],
            sealed_at=r[5],
            sealed_by=r[6],
            digest=r[7],
            replaces=numbers.get(r[8]) if r[8] else None,
            replaced_by=replaced_by.get(r[0]),
            xlsx_path=r[9],
            pdf_path=r[10],
        )
        for r in rows
    ]


def submission_content(session: Session, submission_id: uuid.UUID) -> SheetContent:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound("该上报表已不存在，请刷新列表。")
    return SheetContent.from_canonical(_snapshot(submission))


# --- use cases: each opens its own unit of work --------------------------------------------------------


def seal_submission(
    database: Database,
    *,
    actor: Who,
    request: SheetRequest,
    out_dir: Path,
    replaces_id: uuid.UUID | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    signatories: Signatories | None = None,
) -> SealResult:
    """封存 (审核人 only): number, freeze and write one sheet (``seal_sheet`` commits only when every file is
    written). The sign-off names are ``signatories`` as edited in the seal dialog, else the accounts'."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.SEAL)
        refuse_away_from_a_station(uow.session, "封存")  # before the names: they are not what is wrong
        names = checked_signatories(signatories or default_signatories(uow.session, actor))
        return seal_sheet(
            uow, request, out_dir, today=today, replaces_id=replaces_id, progress=progress, signatories=names
        )


def unlock_submission(database: Database, *, actor: Who, submission_id: uuid.UUID, reason: str) -> int:
    """解锁更正 (审核人 only, with a reason): the people of a sealed sheet may be edited again; returns how
    many were unlocked."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.UNLOCK)
        count = unlock_for_correction(uow, submission_id, reason=reason)
        uow.commit()
    return count
