"""sites: the own site, the change log, and what packages could not apply by themselves

Revision ID: 0005_sites
Revises: 0004_accounts
Create Date: 2026-12-01 10:30:00

Every database becomes a site (named after the station profile's unit, a station until it is told
otherwise) with an X25519 key for the packages encrypted to it. The records a database already holds
enter its change log as baseline creates (the record's id only: a full package reads the record), so
that its first full package carries them.
"""

import base64

import sqlalchemy as sa
from alembic import op

revision = "0005_sites"
down_revision = "0004_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("own", sa.Boolean(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("box_public", sa.Text(), nullable=True),
        sa.Column("box_private", sa.Text(), nullable=True),
        sa.Column("key_fingerprint", sa.String(length=40), nullable=True),
        sa.Column("seen_vector", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
    )
    op.create_table(
        "change_entry",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "seq", name=op.f("pk_change_entry")),
    )
    op.create_index("ix_change_entry_entity", "change_entry", ["entity", "entity_id"])
    op.create_table(
        "sync_issue",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("other_id", sa.Uuid(), nullable=True),
        sa.Column("field", sa.String(length=40), nullable=True),
        sa.Column("base", sa.Text(), nullable=True),
        sa.Column("ours", sa.Text(), nullable=True),
        sa.Column("theirs", sa.Text(), nullable=True),
        sa.Column("our_account", sa.String(length=40), nullable=True),
        sa.Column("our_at", sa.DateTime(), nullable=True),
        sa.Column("their_site_id", sa.Uuid(), nullable=False),
        sa.Column("their_seq", sa.Integer(), nullable=False),
        sa.Column("their_account", sa.String(length=40), nullable=False),
        sa.Column("their_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_issue")),
    )

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from fupin_desktop.domain.clock import utc_now
    from fupin_desktop.store.changes import log_baseline
    from fupin_desktop.store.models import new_id

    connection = op.get_bind()
    name = connection.execute(sa.text("select value from setting where key = 'station.unit_name'")).scalar() or ""
    box = X25519PrivateKey.generate()
    private = box.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = box.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    fingerprint = connection.execute(sa.text("select fingerprint from station_key where own = :own"), {"own": True})
    site_id = new_id()
    now = utc_now()
    sites = sa.table(
        "site",
        *(sa.column(c) for c in ("name", "kind", "box_public", "box_private", "key_fingerprint")),
        sa.column("id", sa.Uuid()),
        sa.column("parent_id", sa.Uuid()),
        sa.column("own", sa.Boolean()),
        sa.column("last_seq", sa.Integer()),
        sa.column("created_at", sa.DateTime()),
    )
    # One baseline entry per record (no copy of its fields): a full package fills each in from the record.
    seq = log_baseline(connection, site_id, 0, "升级", only_unlogged=False)
    connection.execute(
        sites.insert().values(
            id=site_id,
            name=name[:80] or "本站",
            kind="station",
            parent_id=None,
            own=True,
            last_seq=seq,
            box_public=base64.b64encode(public).decode("ascii"),
            box_private=base64.b64encode(private).decode("ascii"),
            key_fingerprint=fingerprint.scalar(),
            created_at=now,
        )
    )


def downgrade() -> None:
    op.drop_table("sync_issue")
    op.drop_index("ix_change_entry_entity", table_name="change_entry")
    op.drop_table("change_entry")
    op.drop_table("site")
