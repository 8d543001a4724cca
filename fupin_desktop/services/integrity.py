"""检查: is the database file sound, and is its audit trail the one the program wrote?"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from fupin_desktop.domain.signing import scheme, signed_message
from fupin_desktop.services.overview import is_encrypted_session
from fupin_desktop.services.station_keys import known_keys
from fupin_desktop.services.submissions import number_text
from fupin_desktop.store.chain import GENESIS, short, verify_chain
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Submission


@dataclass(frozen=True)
class IntegrityReport:
    entries: int
    head: str  # short hash of the newest audit entry
    submissions: int
    problems: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.problems


def check_database(database: Database) -> IntegrityReport:
    """SQLite's integrity check, the audit chain from its first entry, and every sealed sheet's chain head."""
    problems: list[str] = []
    with database.session_factory() as session:
        if session.get_bind().dialect.name == "sqlite":
            try:
                found = [row[0] for row in session.connection().exec_driver_sql("PRAGMA integrity_check")]
            except DatabaseError as error:
                found = [str(error.orig)]
            if found != ["ok"]:
                problems.append("数据库文件已损坏：" + "；".join(str(f) for f in found[:5]))
            if found == ["ok"] and is_encrypted_session(session):
                # Every page's HMAC: a page changed outside SQLCipher that still parses as a page.
                pages = [str(row[0]) for row in session.connection().exec_driver_sql("PRAGMA cipher_integrity_check")]
                if pages:
                    problems.append("加密文件的页校验未通过（文件在程序之外被改动）：" + "；".join(pages[:5]))
        try:
            sealed = session.execute(select(Submission.year, Submission.number, Submission.chain_head)).all()
            # A sheet sealed before the first entry was chained names the empty chain (GENESIS): always in it.
            wanted = frozenset(head for _y, _n, head in sealed if head and head != GENESIS)
            report = verify_chain(session, wanted)
        except DatabaseError as error:
            problems.append(f"无法读完审计记录，文件已损坏：{error.orig}")
            return IntegrityReport(0, "", 0, problems)
        problems += _snapshot_problems(session)
    if report.problem is not None:
        problems.append(f"审计记录链断开：{report.problem}")
    else:
        for year, number, head in sealed:
            if head in wanted and head not in report.heads_seen:
                problems.append(
                    f"{number_text(year, number)}封存时的审计链头 {short(head)} 不在链中：其后的记录被改写或替换"
                )
                break
    return IntegrityReport(report.entries, short(report.head), len(sealed), problems)


def _snapshot_problems(session: Session) -> list[str]:
    """Every sealed sheet's frozen content still hashes to its digest and carries the station's signature."""
    keys = {key.fingerprint: key for key in known_keys(session)}
    problems = []
    rows = session.execute(
        select(Submission.year, Submission.number, Submission.snapshot, Submission.digest, Submission.signature,
               Submission.key_fingerprint)
    )  # fmt: skip
    for year, number, snapshot, digest, signature, fingerprint in rows:
        name = number_text(year, number)
        if hashlib.sha256(snapshot.encode("utf-8")).hexdigest() != digest:
            problems.append(f"{name}在数据库中的封存内容与其校验码不符：快照在程序之外被改动")
            continue
        key = keys.get(fingerprint or "")
        if signature is None or key is None:
            continue  # sealed before stations had keys, or by a key no longer known
        if not scheme(key.algorithm).verify(key.key, signed_message(digest), base64.b64decode(signature)):
            problems.append(f"{name}的站点签名与其校验码不符：封存记录在程序之外被改动")
    return problems
