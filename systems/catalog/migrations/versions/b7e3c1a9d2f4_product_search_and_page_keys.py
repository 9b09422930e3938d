"""Indexed product search (FTS5 on SQLite, tsvector + GIN on PostgreSQL) and the keys the pages read by.

Revision ID: b7e3c1a9d2f4
Revises: b7e1c4a9d2f0
Create Date: 2026-12-01 12:40:00.000000
"""

from alembic import op

from federation.search import create_index_sql, drop_index_sql
from systems.catalog.products.search import PRODUCT_SEARCH

revision = "b7e3c1a9d2f4"
down_revision = "b7e1c4a9d2f0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.create_index("ix_products_name_id", ["name", "id"], unique=False)
    with op.batch_alter_table("product_sales") as batch_op:
        batch_op.create_index("ix_product_sales_units_sold_product_id", ["units_sold", "product_id"], unique=False)
    for statement in create_index_sql(PRODUCT_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_index_sql(PRODUCT_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table("product_sales") as batch_op:
        batch_op.drop_index("ix_product_sales_units_sold_product_id")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_index("ix_products_name_id")
