"""ID-number search by any part: the person_id_gram table (4-grams of every 身份证号), filled

Revision ID: 0002_id_search
Revises: 0001_initial
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_id_search"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# Every 4-character run of every stored number (a frozen copy of store/id_grams.REBUILD_SQL).
FILL_SQL = (
    "INSERT INTO person_id_gram (gram, person_id) SELECT gram, person_id FROM ("
    + " UNION ".join(
        f"SELECT substr(id_number, {start}, 4) AS gram, id AS person_id FROM person "
        f"WHERE id_number IS NOT NULL AND length(id_number) >= {start + 3}"
        for start in range(1, 16)
    )
    + ") AS grams"
)


def upgrade() -> None:
    op.create_table(
        "person_id_gram",
        sa.Column("gram", sa.String(length=4), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("gram", "person_id", name=op.f("pk_person_id_gram")),
        sqlite_with_rowid=False,
    )
    op.execute(FILL_SQL)


def downgrade() -> None:
    op.drop_table("person_id_gram")
