"""The product copy keeps the catalog's image references (id, alt text, variants).

Revision ID: c4d8e2f61a3b
Revises: a135df13d9ef
Create Date: 2026-12-01 12:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c4d8e2f61a3b"
down_revision = "a135df13d9ef"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_copy") as batch:
        batch.add_column(sa.Column("images", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("product_copy") as batch:
        batch.drop_column("images")
