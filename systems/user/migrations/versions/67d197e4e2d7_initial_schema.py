"""Initial schema.

Revision ID: 67d197e4e2d7
Revises:
Create Date: 2026-11-25 15:42:54.199065
"""

import sqlalchemy as sa
from alembic import op

revision = "67d197e4e2d7"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_client_ip", ["client_ip", "failed_at"], unique=False)
        batch_op.create_index("ix_login_failures_email", ["email", "failed_at"], unique=False)
        batch_op.create_index("ix_login_failures_failed_at", ["failed_at"], unique=False)

    op.create_table(
        "orders_copy",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("aggregate_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("orders_copy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_copy_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "scs_inbox",
        sa.Column("consumer", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("producer", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    with op.batch_alter_table("scs_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_scs_inbox_freshness", ["producer", "processed_at"], unique=False)

    op.create_table(
        "scs_outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("producer", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("aggregate_id", sa.String(length=200), nullable=False),
        sa.Column("correlation_id", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("scs_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_scs_outbox_unpublished", ["published_at", "seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scs_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_scs_outbox_unpublished")

    op.drop_table("scs_outbox")
    with op.batch_alter_table("scs_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_scs_inbox_freshness")

    op.drop_table("scs_inbox")
    with op.batch_alter_table("orders_copy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_copy_customer_id"))

    op.drop_table("orders_copy")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_failed_at")
        batch_op.drop_index("ix_login_failures_email")
        batch_op.drop_index("ix_login_failures_client_ip")

    op.drop_table("login_failures")
    op.drop_table("accounts")
