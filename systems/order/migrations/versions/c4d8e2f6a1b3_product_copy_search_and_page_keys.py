"""Indexed search of the product copy, and the keys the product and order pages read by.

Revision ID: c4d8e2f6a1b3
Revises: c4d8e2f61a3b
Create Date: 2026-12-01 12:40:00.000000
"""

from alembic import op

from federation.search import create_index_sql, drop_index_sql
from systems.order.products_copy.search import PRODUCT_COPY_SEARCH

revision = "c4d8e2f6a1b3"
down_revision = "c4d8e2f61a3b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_copy") as batch_op:
        batch_op.create_index("ix_product_copy_discontinued_name_id", ["discontinued", "name", "id"], unique=False)
    with op.batch_alter_table("orders") as batch_op:
        batch_op.create_index("ix_orders_customer_placed_at_id", ["customer_id", "placed_at", "id"], unique=False)
    for statement in create_index_sql(PRODUCT_COPY_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_index_sql(PRODUCT_COPY_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_index("ix_orders_customer_placed_at_id")
    with op.batch_alter_table("product_copy") as batch_op:
        batch_op.drop_index("ix_product_copy_discontinued_name_id")
