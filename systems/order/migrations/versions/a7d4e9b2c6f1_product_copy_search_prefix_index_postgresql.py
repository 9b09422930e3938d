"""Product copy search on PostgreSQL: a generated column of every word's prefixes, GIN-indexed (a prefix is one entry).

Revision ID: a7d4e9b2c6f1
Revises: e5b9c3d7f2a6
Create Date: 2026-12-01 16:50:00.000000
"""

from alembic import op

from federation.search import drop_prefix_index_sql, prefix_index_sql
from systems.order.products_copy.search import PRODUCT_COPY_SEARCH

revision = "a7d4e9b2c6f1"
down_revision = "e5b9c3d7f2a6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in prefix_index_sql(PRODUCT_COPY_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_prefix_index_sql(PRODUCT_COPY_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)
