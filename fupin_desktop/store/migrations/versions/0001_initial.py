"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22 03:06:13.250855
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def _key(length: int) -> sa.types.TypeEngine[str]:
    """VARCHAR(n) on SQLite (unchanged); on PostgreSQL compared byte by byte ("C"), as models.Key."""
    return sa.String(length=length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_entry_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "operator",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator")),
    )
    op.create_table(
        "region",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", _key(12), nullable=True),
        sa.Column("name", _key(60), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["region.id"], name=op.f("fk_region_parent_id_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region")),
        sa.UniqueConstraint("code", name=op.f("uq_region_code")),
    )
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "household",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("village_id", sa.Uuid(), nullable=False),
        sa.Column("household_no", _key(30), nullable=False),
        sa.Column("card_no", _key(30), nullable=True),
        sa.Column("village_group", _key(30), nullable=True),
        sa.Column("address", sa.String(length=120), nullable=True),
        sa.Column("phone", _key(20), nullable=True),
        sa.Column("household_type", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("main_cause", sa.String(length=20), nullable=True),
        sa.Column("other_causes", sa.String(length=60), nullable=True),
        sa.Column("head_name", _key(40), nullable=True),
        sa.Column("head_pinyin", _key(120), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["village_id"], ["region.id"], name=op.f("fk_household_village_id_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
    )
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_card_no"), ["card_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_household_no"), ["household_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_village_id"), ["village_id"], unique=False)
        batch_op.create_index("ix_household_village_no", ["village_id", "household_no"], unique=False)

    op.create_table(
        "public_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("region_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=80), nullable=False),
        sa.Column("complaint_phone", sa.String(length=20), nullable=False),
        sa.Column("issuing_unit", sa.String(length=80), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name=op.f("fk_public_notice_region_id_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_notice")),
    )
    with op.batch_alter_table("public_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_notice_region_id"), ["region_id"], unique=False)

    op.create_table(
        "submission",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sheet_code", sa.String(length=30), nullable=False),
        sa.Column("unit_name", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Uuid(), nullable=True),
        sa.Column("region_id", sa.Uuid(), nullable=True),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.Column("sealed_by", sa.String(length=40), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("xlsx_path", sa.Text(), nullable=True),
        sa.Column("pdf_path", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name=op.f("fk_submission_region_id_region")),
        sa.ForeignKeyConstraint(["replaces_id"], ["submission.id"], name=op.f("fk_submission_replaces_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
        sa.UniqueConstraint("unit_name", "year", "number", name=op.f("uq_submission_unit_name")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_digest"), ["digest"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("name", _key(40), nullable=False),
        sa.Column("name_pinyin", _key(120), nullable=False),
        sa.Column("name_initials", _key(40), nullable=False),
        sa.Column("id_number", _key(18), nullable=True),
        sa.Column("sex", sa.String(length=2), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("ethnicity", sa.String(length=20), nullable=True),
        sa.Column("relation", sa.String(length=20), nullable=True),
        sa.Column("education", sa.String(length=20), nullable=True),
        sa.Column("school_status", sa.String(length=20), nullable=True),
        sa.Column("health", sa.String(length=40), nullable=True),
        sa.Column("labour", sa.String(length=20), nullable=True),
        sa.Column("employment", sa.String(length=20), nullable=True),
        sa.Column("work_place", sa.String(length=60), nullable=True),
        sa.Column("work_months", sa.Integer(), nullable=True),
        sa.Column("phone", _key(20), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"], name=op.f("fk_person_household_id_household")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("id_number", name=op.f("uq_person_id_number")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_household_id"), ["household_id"], unique=False)
        batch_op.create_index("ix_person_household_relation", ["household_id", "relation"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_name_initials"), ["name_initials"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_name_pinyin"), ["name_pinyin"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_phone"), ["phone"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("visitors", sa.String(length=80), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"], name=op.f("fk_visit_household_id_household")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_visit_date"), ["visit_date"], unique=False)

    op.create_table(
        "intention",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occupation", sa.String(length=40), nullable=True),
        sa.Column("major", sa.String(length=40), nullable=True),
        sa.Column("school", sa.String(length=60), nullable=True),
        sa.Column("training_type", sa.String(length=20), nullable=True),
        sa.Column("referral_source", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_changed_at", sa.DateTime(), nullable=False),
        sa.Column("provider", sa.String(length=60), nullable=True),
        sa.Column("class_name", sa.String(length=60), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("certificate", sa.String(length=60), nullable=True),
        sa.Column("employer", sa.String(length=60), nullable=True),
        sa.Column("employ_place", sa.String(length=60), nullable=True),
        sa.Column("employ_start", sa.Date(), nullable=True),
        sa.Column("monthly_income", sa.Integer(), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_intention_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intention")),
    )
    with op.batch_alter_table("intention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intention_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intention_state"), ["state"], unique=False)

    op.create_table(
        "visit_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("person_name", sa.String(length=40), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_visit_change_person_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_visit_change_visit_id_visit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_change")),
    )
    with op.batch_alter_table("visit_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_change_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "intention_transition",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("intention_id", sa.Uuid(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intention_id"], ["intention.id"], name=op.f("fk_intention_transition_intention_id_intention")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intention_transition")),
    )
    with op.batch_alter_table("intention_transition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intention_transition_intention_id"), ["intention_id"], unique=False)

    op.create_table(
        "notice_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("intention_id", sa.Uuid(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intention_id"], ["intention.id"], name=op.f("fk_notice_entry_intention_id_intention")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["public_notice.id"], name=op.f("fk_notice_entry_notice_id_public_notice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_entry")),
        sa.UniqueConstraint("notice_id", "intention_id", name=op.f("uq_notice_entry_notice_id")),
    )
    with op.batch_alter_table("notice_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_entry_intention_id"), ["intention_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_entry_notice_id"), ["notice_id"], unique=False)

    op.create_table(
        "objection",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("intention_id", sa.Uuid(), nullable=False),
        sa.Column("raised_by", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["intention_id"], ["intention.id"], name=op.f("fk_objection_intention_id_intention")),
        sa.ForeignKeyConstraint(["notice_id"], ["public_notice.id"], name=op.f("fk_objection_notice_id_public_notice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection")),
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_intention_id"), ["intention_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_objection_notice_id"), ["notice_id"], unique=False)

    op.create_table(
        "submission_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("intention_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intention_id"], ["intention.id"], name=op.f("fk_submission_item_intention_id_intention")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_submission_item_person_id_person")),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_submission_item_submission_id_submission")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_item")),
    )
    with op.batch_alter_table("submission_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_item_intention_id"), ["intention_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_item_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_item_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "subsidy_grant",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("intention_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("amount_yuan", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["intention_id"], ["intention.id"], name=op.f("fk_subsidy_grant_intention_id_intention")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_subsidy_grant_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_grant")),
    )
    with op.batch_alter_table("subsidy_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subsidy_grant_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subsidy_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subsidy_grant_person_id"))

    op.drop_table("subsidy_grant")
    with op.batch_alter_table("submission_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_item_submission_id"))
        batch_op.drop_index(batch_op.f("ix_submission_item_person_id"))
        batch_op.drop_index(batch_op.f("ix_submission_item_intention_id"))

    op.drop_table("submission_item")
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_notice_id"))
        batch_op.drop_index(batch_op.f("ix_objection_intention_id"))

    op.drop_table("objection")
    with op.batch_alter_table("notice_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_entry_notice_id"))
        batch_op.drop_index(batch_op.f("ix_notice_entry_intention_id"))

    op.drop_table("notice_entry")
    with op.batch_alter_table("intention_transition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intention_transition_intention_id"))

    op.drop_table("intention_transition")
    with op.batch_alter_table("visit_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_change_visit_id"))

    op.drop_table("visit_change")
    with op.batch_alter_table("intention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intention_state"))
        batch_op.drop_index(batch_op.f("ix_intention_person_id"))

    op.drop_table("intention")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_visit_date"))
        batch_op.drop_index(batch_op.f("ix_visit_household_id"))

    op.drop_table("visit")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_phone"))
        batch_op.drop_index(batch_op.f("ix_person_name_pinyin"))
        batch_op.drop_index(batch_op.f("ix_person_name_initials"))
        batch_op.drop_index(batch_op.f("ix_person_name"))
        batch_op.drop_index("ix_person_household_relation")
        batch_op.drop_index(batch_op.f("ix_person_household_id"))

    op.drop_table("person")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_digest"))

    op.drop_table("submission")
    with op.batch_alter_table("public_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_notice_region_id"))

    op.drop_table("public_notice")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_index("ix_household_village_no")
        batch_op.drop_index(batch_op.f("ix_household_village_id"))
        batch_op.drop_index(batch_op.f("ix_household_phone"))
        batch_op.drop_index(batch_op.f("ix_household_household_no"))
        batch_op.drop_index(batch_op.f("ix_household_card_no"))

    op.drop_table("household")
    op.drop_table("setting")
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_parent_id"))

    op.drop_table("region")
    op.drop_table("operator")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_entity")
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
