"""The database tables, as SQLAlchemy 2 typed ORM classes.

Portable SQL only (SQLite here, PostgreSQL at county level later): UUID keys through ``Uuid``,
dates and times as ``Date``/``DateTime``, multi-valued code fields as text joined by ``、``.
Every record that people edit carries created/updated times and the operator who last changed it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from fupin_desktop.domain.clock import utc_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model here is mapped to a plain table (for the typed bulk INSERTs and UPDATEs).
    __table__: ClassVar[Table]


def Key(length: int) -> TypeEngine[str]:
    """A text that lists are sorted and prefix-searched by: compared code point by code point on both
    engines (SQLite's BINARY; PostgreSQL's "C" collation, whatever the server's locale), so that the same
    search returns the same people in the same order on a file and on a county server."""
    return String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class Tracked:
    """Created/updated times and the operator who last changed the record."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now, onupdate=utc_now)
    updated_by: Mapped[str | None] = mapped_column(String(40))


class Operator(Base):
    """账号: who signs in; every change is attributed to one. Never deleted, only disabled (the audit
    names it forever). A row without a password (from an earlier ``init``) cannot sign in."""

    __tablename__ = "operator"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # village_clerk / township_clerk / reviewer / admin
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    display_name: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    region_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # a 村级录入员's village
    password_hash: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class Setting(Base):
    """Key/value settings that belong to the database (station profile, active province)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Region(Tracked, Base):
    """行政区划: county → township → village, with the 12-digit 统计用区划代码 where known."""

    __tablename__ = "region"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str | None] = mapped_column(Key(12), unique=True)
    name: Mapped[str] = mapped_column(Key(60))
    level: Mapped[str] = mapped_column(String(10))  # province / city / county / township / village
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("region.id"), index=True)


class Household(Tracked, Base):
    """户: a registered (建档立卡) household in a village."""

    __tablename__ = "household"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("region.id"), index=True)
    household_no: Mapped[str] = mapped_column(Key(30), index=True)
    card_no: Mapped[str | None] = mapped_column(Key(30), index=True)  # 扶贫卡编号
    village_group: Mapped[str | None] = mapped_column(Key(30))  # 村民小组
    address: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(Key(20), index=True)
    household_type: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(30))
    main_cause: Mapped[str | None] = mapped_column(String(20))
    other_causes: Mapped[str | None] = mapped_column(String(60))
    # Kept by the services so that lists at county scale need no join to show the head.
    head_name: Mapped[str | None] = mapped_column(Key(40))
    head_pinyin: Mapped[str | None] = mapped_column(Key(120))
    member_count: Mapped[int] = mapped_column(Integer, default=0)

    members: Mapped[list[Person]] = relationship(back_populates="household", order_by="Person.sort_order")


class Person(Tracked, Base):
    """成员: one member of a household."""

    __tablename__ = "person"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Key(40), index=True)
    name_pinyin: Mapped[str] = mapped_column(Key(120), index=True)  # "zhangsanfeng"
    name_initials: Mapped[str] = mapped_column(Key(40), index=True)  # "zsf"
    id_number: Mapped[str | None] = mapped_column(Key(18), unique=True)
    sex: Mapped[str | None] = mapped_column(String(2))
    birth_date: Mapped[date | None] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    relation: Mapped[str | None] = mapped_column(String(20))
    education: Mapped[str | None] = mapped_column(String(20))
    school_status: Mapped[str | None] = mapped_column(String(20))
    health: Mapped[str | None] = mapped_column(String(40))  # multi-select, joined by 、
    labour: Mapped[str | None] = mapped_column(String(20))
    employment: Mapped[str | None] = mapped_column(String(20))
    work_place: Mapped[str | None] = mapped_column(String(60))
    work_months: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(Key(20), index=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)  # in a sealed submission

    household: Mapped[Household] = relationship(back_populates="members")


class PersonIdGram(Base):
    """One 4-character run of a person's 身份证号: the index behind finding any part of a number
    (store/id_grams.py says why a table and not FTS, and why it has no foreign key)."""

    __tablename__ = "person_id_gram"
    gram: Mapped[str] = mapped_column(String(4), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # On SQLite the rows are the primary-key B-tree itself (no rowid table beside it); ignored elsewhere.
    __table_args__ = ({"sqlite_with_rowid": False},)


class Visit(Tracked, Base):
    """走访: a visit to a household and what it changed."""

    __tablename__ = "visit"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    visitors: Mapped[str] = mapped_column(String(80))
    method: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)

    changes: Mapped[list[VisitChange]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitChange.field"
    )


class VisitChange(Base):
    """One field of one member as it was changed during a visit."""

    __tablename__ = "visit_change"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visit.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    person_name: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(back_populates="changes")


class AuditEntry(Base):
    """审计: who changed which field of which record, when, from what to what.

    The entries form a hash chain (``store/chain.py``): ``seq`` orders them, each holds the hash of
    the one before and its own hash over its canonical content, so an entry edited, deleted or
    slipped in behind the program's back breaks the chain where it happened."""

    __tablename__ = "audit_entry"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utc_now, index=True)
    operator: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))  # create / update / delete / move
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_entry_entity", "entity", "entity_id"),)


class AuditChainHead(Base):
    """The newest entry of the audit chain (one row). Appending updates it first, which takes the
    database's write lock before the head is read: two writers can never both extend one head
    (on PostgreSQL the same row is read ``FOR UPDATE``)."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class StationKey(Base):
    """A station's signing key: this station's own (with its private half) or one registered from
    a key file (public half only), whose signatures ``verify`` then accepts.

    The private half lies in the database: an encrypted file protects it with the rest (the accounts'
    key slots open it); a plain file's backups leave it out (store/backup.py)."""

    __tablename__ = "station_key"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    algorithm: Mapped[str] = mapped_column(String(20))
    public_key: Mapped[str] = mapped_column(Text)  # base64
    private_key: Mapped[str | None] = mapped_column(Text)  # base64, only for the station's own key
    fingerprint: Mapped[str] = mapped_column(String(40), unique=True)
    unit_name: Mapped[str] = mapped_column(String(80))
    own: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)


class Intention(Tracked, Base):
    """意愿: a person's wish to train, enrol in a 技工院校, find work or start a business,
    with its workflow state and, later, the follow-up."""

    __tablename__ = "intention"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # training / school / employment / business
    occupation: Mapped[str | None] = mapped_column(String(40))  # 工种
    major: Mapped[str | None] = mapped_column(String(40))  # 专业
    school: Mapped[str | None] = mapped_column(String(60))  # preferred 技工院校
    training_type: Mapped[str | None] = mapped_column(String(20))
    referral_source: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="DRAFT", index=True)
    state_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    # follow-up after submission
    provider: Mapped[str | None] = mapped_column(String(60))  # school or training provider
    class_name: Mapped[str | None] = mapped_column(String(60))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    certificate: Mapped[str | None] = mapped_column(String(60))
    employer: Mapped[str | None] = mapped_column(String(60))
    employ_place: Mapped[str | None] = mapped_column(String(60))
    employ_start: Mapped[date | None] = mapped_column(Date)
    monthly_income: Mapped[int | None] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)

    transitions: Mapped[list[IntentionTransition]] = relationship(
        back_populates="intention", order_by="IntentionTransition.at"
    )


class IntentionTransition(Base):
    """One step of an intention's workflow: from, to, when, who, why."""

    __tablename__ = "intention_transition"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    intention_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intention.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    operator: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)

    intention: Mapped[Intention] = relationship(back_populates="transitions")


class SubsidyGrant(Base):
    """A subsidy paid to a person (training subsidy, living allowance, travel aid): the yearly limits count these."""

    __tablename__ = "subsidy_grant"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    intention_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("intention.id"))
    kind: Mapped[str] = mapped_column(String(20))  # training / living / travel
    granted_on: Mapped[date] = mapped_column(Date)
    amount_yuan: Mapped[int] = mapped_column(Integer, default=0)
    operator: Mapped[str] = mapped_column(String(40))


class PublicNotice(Tracked, Base):
    """公示批次: a list of approved people posted for a fixed period."""

    __tablename__ = "public_notice"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    region_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("region.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(80))
    complaint_phone: Mapped[str] = mapped_column(String(20))
    issuing_unit: Mapped[str] = mapped_column(String(80))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    entries: Mapped[list[NoticeEntry]] = relationship(back_populates="notice")


class NoticeEntry(Base):
    """One intention listed in a 公示 batch."""

    __tablename__ = "notice_entry"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("public_notice.id"), index=True)
    intention_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intention.id"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    notice: Mapped[PublicNotice] = relationship(back_populates="entries")
    __table_args__ = (UniqueConstraint("notice_id", "intention_id"),)


class Objection(Tracked, Base):
    """异议: raised against a person during a 公示; blocks that person until resolved."""

    __tablename__ = "objection"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("public_notice.id"), index=True)
    intention_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intention.id"), index=True)
    raised_by: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(20))  # 来电 / 来访 / 信函 …
    raised_on: Mapped[date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(10))  # None while open; 维持 / 撤销 / 更正
    resolved_on: Mapped[date | None] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(Text)


class Submission(Base):
    """上报/封存: a sealed, numbered summary sheet with its frozen snapshot."""

    __tablename__ = "submission"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sheet_code: Mapped[str] = mapped_column(String(30))
    unit_name: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("submission.id"))
    region_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("region.id"))
    sealed_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    sealed_by: Mapped[str] = mapped_column(String(40))
    row_count: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    snapshot: Mapped[str] = mapped_column(Text)  # canonical JSON of header, rows and sign-off block
    xlsx_path: Mapped[str | None] = mapped_column(Text)
    pdf_path: Mapped[str | None] = mapped_column(Text)
    key_fingerprint: Mapped[str | None] = mapped_column(String(40))
    signature: Mapped[str | None] = mapped_column(Text)  # base64 of the station's signature
    chain_head: Mapped[str | None] = mapped_column(String(64))  # the audit chain head when sealed
    unlock_reason: Mapped[str | None] = mapped_column(Text)  # why it was unlocked for correction

    __table_args__ = (UniqueConstraint("unit_name", "year", "number"),)


class SubmissionCounter(Base):
    """The last number issued per unit and year, taken in the transaction that commits the seal."""

    __tablename__ = "submission_counter"
    unit_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class SubmissionItem(Base):
    """An intention frozen in a submission (and locked against edits)."""

    __tablename__ = "submission_item"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submission.id"), index=True)
    intention_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("intention.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)


Index("ix_person_household_relation", Person.household_id, Person.relation)
Index("ix_household_village_no", Household.village_id, Household.household_no)
# The 统计 page's aggregates read these alone, never the table rows (migration 0007_stats_index).
Index("ix_person_stats", Person.household_id, Person.labour, Person.employment, Person.id)
Index("ix_person_school_age", Person.education, Person.birth_date, Person.school_status, Person.household_id, Person.id)
Index("ix_household_village_cover", Household.village_id, Household.id)
Index("ix_household_id_village", Household.id, Household.village_id, Household.household_type, Household.status)
Index("ix_intention_person_kind", Intention.person_id, Intention.kind, Intention.created_at, Intention.state)
Index(
    "ix_intention_transition_course",
    IntentionTransition.intention_id,
    IntentionTransition.to_state,
    IntentionTransition.at,
)


class Site(Base):
    """站点: this database (``own``) and every site it has exchanged packages with — a village laptop, a
    field laptop, a station or a county — with its parent and its X25519 key for encrypted packages.

    ``last_seq`` is this site's entry of the version vector: for the own site the last change number
    issued, for another site the last of its changes applied here."""

    __tablename__ = "site"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # village / field / station / county
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    region_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the area it keeps (domain/ownership.py)
    own: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    box_public: Mapped[str | None] = mapped_column(Text)  # base64 X25519
    box_private: Mapped[str | None] = mapped_column(Text)  # base64 X25519, only for the own site
    key_fingerprint: Mapped[str | None] = mapped_column(String(40))  # its signing key
    seen_vector: Mapped[str | None] = mapped_column(Text)  # JSON: what its last package said it holds
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)


class ChangeEntry(Base):
    """变更记录: one field of one record changed at one site, in that site's order (``seq``).

    ``field`` is None for a whole record: a create (``after`` holds every column as JSON) or a delete —
    a tombstone whose ``before`` holds the record as it was. Values are JSON text."""

    __tablename__ = "change_entry"
    site_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(10))  # create / update / delete
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    field: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    account: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime)
    arrival: Mapped[int | None] = mapped_column(Integer)  # the order it was made or received here

    __table_args__ = (
        Index("ix_change_entry_entity", "entity", "entity_id"),
        Index("ix_change_entry_arrival", "arrival"),
    )


class SyncIssue(Base):
    """待处理: what a package could not apply by itself — a conflict (the same field changed on both
    sides), a possible duplicate (the same 身份证号 arriving as a new person), or a correction request
    (a change to a sealed or locked record). Kept until a person decides; never resolved silently."""

    __tablename__ = "sync_issue"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))  # conflict / duplicate / correction / proposal / missing
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    other_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the local person a duplicate matches
    field: Mapped[str | None] = mapped_column(String(40))
    base: Mapped[str | None] = mapped_column(Text)
    ours: Mapped[str | None] = mapped_column(Text)
    theirs: Mapped[str | None] = mapped_column(Text)
    our_account: Mapped[str | None] = mapped_column(String(40))
    our_at: Mapped[datetime | None] = mapped_column(DateTime)
    their_site_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    their_seq: Mapped[int] = mapped_column(Integer)
    their_account: Mapped[str] = mapped_column(String(40))
    their_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
