"""ownership: the area each site keeps

Revision ID: 0006_ownership
Revises: 0005_sites
Create Date: 2026-12-01 12:00:00

A site owns the records of its area (``site.region_id``: a village for a village laptop, a township
for a station; none for a laptop that has not been told, which then owns no area-bound records of
its own choosing — see domain/ownership.py). What a package proposes outside its sender's area
waits in ``sync_issue`` as a proposal for the owner.

``change_entry.arrival`` is the order in which this database made or received each change, so that
a package hands its changes on in the order they happened here (a decision after what it decides),
whichever site made them; the entries of before this revision have none and go first, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_ownership"
down_revision = "0005_sites"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("site", sa.Column("region_id", sa.Uuid(), nullable=True))
    op.add_column("change_entry", sa.Column("arrival", sa.Integer(), nullable=True))
    op.create_index("ix_change_entry_arrival", "change_entry", ["arrival"])


def downgrade() -> None:
    op.drop_index("ix_change_entry_arrival", table_name="change_entry")
    with op.batch_alter_table("change_entry") as batch:
        batch.drop_column("arrival")
    with op.batch_alter_table("site") as batch:
        batch.drop_column("region_id")
