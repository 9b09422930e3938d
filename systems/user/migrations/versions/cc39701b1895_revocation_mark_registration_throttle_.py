"""Revocation mark per account, registration throttle, login failures counted per account and client.

Revision ID: cc39701b1895
Revises: ec95303e3019
Create Date: 2026-12-01 09:13:54.285925
"""

import sqlalchemy as sa
from alembic import op

revision = "cc39701b1895"
down_revision = "ec95303e3019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registration_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_registration_attempts_attempted_at", ["attempted_at"], unique=False)
        batch_op.create_index("ix_registration_attempts_client_ip", ["client_ip", "attempted_at"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_email")
        batch_op.create_index("ix_login_failures_email_client_ip", ["email", "client_ip", "failed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_email_client_ip")
        batch_op.create_index("ix_login_failures_email", ["email", "failed_at"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("tokens_valid_after")

    op.drop_index("ix_registration_attempts_client_ip", table_name="registration_attempts")
    op.drop_index("ix_registration_attempts_attempted_at", table_name="registration_attempts")
    op.drop_table("registration_attempts")
