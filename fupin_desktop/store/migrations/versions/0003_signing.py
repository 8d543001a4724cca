"""signing: station keys, signed submissions, the number counter and the hash-chained audit trail

Revision ID: 0003_signing
Revises: 0002_id_search
Create Date: 2026-12-01 09:00:00

The station's own signing key is created here, so that every station database has one from the
start. The existing audit entries are chained in time order, and the counter starts from the
numbers already issued.
"""

import base64

import sqlalchemy as sa
from alembic import op

revision = "0003_signing"
down_revision = "0002_id_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "station_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=True),
        sa.Column("fingerprint", sa.String(length=40), nullable=False),
        sa.Column("unit_name", sa.String(length=80), nullable=False),
        sa.Column("own", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_key")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_station_key_fingerprint")),
    )
    op.create_table(
        "submission_counter",
        sa.Column("unit_name", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_name", "year", name=op.f("pk_submission_counter")),
    )
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_audit_entry_seq"), ["seq"])
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("key_fingerprint", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("signature", sa.Text(), nullable=True))
        batch.add_column(sa.Column("chain_head", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("unlock_reason", sa.Text(), nullable=True))

    from fupin_desktop.domain.clock import utc_now
    from fupin_desktop.domain.signing import DEFAULT_ALGORITHM, fingerprint, scheme
    from fupin_desktop.store.chain import rechain_all
    from fupin_desktop.store.models import new_id

    connection = op.get_bind()
    rechain_all(connection)
    connection.execute(
        sa.text(
            "insert into submission_counter (unit_name, year, last_number) "
            "select unit_name, year, max(number) from submission group by unit_name, year"
        )
    )
    private, public = scheme(DEFAULT_ALGORITHM).generate()
    keys = sa.table(
        "station_key",
        sa.column("id", sa.Uuid()),
        sa.column("algorithm", sa.String()),
        sa.column("public_key", sa.Text()),
        sa.column("private_key", sa.Text()),
        sa.column("fingerprint", sa.String()),
        sa.column("unit_name", sa.String()),
        sa.column("own", sa.Boolean()),
        sa.column("created_at", sa.DateTime()),
    )
    connection.execute(
        keys.insert().values(
            id=new_id(),
            algorithm=DEFAULT_ALGORITHM,
            public_key=base64.b64encode(public).decode("ascii"),
            private_key=base64.b64encode(private).decode("ascii"),
            fingerprint=fingerprint(DEFAULT_ALGORITHM, public),
            unit_name="",
            own=True,
            created_at=utc_now(),
        )
    )
