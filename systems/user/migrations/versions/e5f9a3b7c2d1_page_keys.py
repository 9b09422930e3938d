"""The keys the account list and "my orders" pages read by (no OFFSET over the whole table).

Revision ID: e5f9a3b7c2d1
Revises: e2a9c1f07b3d
Create Date: 2026-12-01 12:40:00.000000
"""

from alembic import op

revision = "e5f9a3b7c2d1"
down_revision = "e2a9c1f07b3d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.create_index("ix_accounts_created_at_id", ["created_at", "id"], unique=False)
    with op.batch_alter_table("orders_copy") as batch_op:
        batch_op.create_index("ix_orders_copy_customer_placed_at_id", ["customer_id", "placed_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders_copy") as batch_op:
        batch_op.drop_index("ix_orders_copy_customer_placed_at_id")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_index("ix_accounts_created_at_id")
