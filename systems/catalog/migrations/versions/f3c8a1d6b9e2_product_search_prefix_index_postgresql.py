"""Product search on PostgreSQL: a generated column of every word's prefixes with a GIN index (a prefix is one entry).

Revision ID: f3c8a1d6b9e2
Revises: d2a7f4c9e1b5
Create Date: 2026-12-01 16:50:00.000000
"""

from alembic import op

from federation.search import drop_prefix_index_sql, prefix_index_sql
from systems.catalog.products.search import PRODUCT_SEARCH

revision = "f3c8a1d6b9e2"
down_revision = "d2a7f4c9e1b5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in prefix_index_sql(PRODUCT_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_prefix_index_sql(PRODUCT_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)
