"""The accounts copy (roles, revocation mark, tombstone), to judge tokens by.

Revision ID: 3d09793348da
Revises: 77a54cd1feb7
Create Date: 2026-12-01 09:16:21.351125

It starts empty: `scs resync catalog --from user` fills it, until then only accounts with new events are known.
"""

import sqlalchemy as sa
from alembic import op

revision = "3d09793348da"
down_revision = "77a54cd1feb7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_copy",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("aggregate_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("account_copy")
