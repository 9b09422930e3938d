"""The orders copy keeps the first products of each order, for their pictures on "My orders".

Revision ID: e2a9c1f07b3d
Revises: 698fef961fdc
Create Date: 2026-12-01 12:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e2a9c1f07b3d"
down_revision = "698fef961fdc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders_copy") as batch:
        batch.add_column(sa.Column("product_ids", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("orders_copy") as batch:
        batch.drop_column("product_ids")
