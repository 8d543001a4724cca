"""accounts: the operator table becomes the accounts (password, role scope, phone, lockout, disabled)

Revision ID: 0004_accounts
Revises: 0003_signing
Create Date: 2026-12-01 10:30:00

An operator recorded by an earlier ``init`` keeps its row with no password: it is not yet an account
that can sign in, and the database keeps working as before until a 管理员 with a password exists
(``user add NAME --role 管理员`` on the command line gives that row its password).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_accounts"
down_revision = "0003_signing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operator") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("region_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.create_unique_constraint(op.f("uq_operator_name"), ["name"])


def downgrade() -> None:
    with op.batch_alter_table("operator") as batch:
        batch.drop_constraint(op.f("uq_operator_name"), type_="unique")
        for column in (
            "locked_until",
            "failed_attempts",
            "disabled",
            "password_hash",
            "region_id",
            "phone",
            "display_name",
        ):
            batch.drop_column(column)
