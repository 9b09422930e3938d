"""Product search: FTS5 rebuilt with prefix indexes of 2 and 3 characters (type-ahead's first letters read one entry).

Revision ID: d2a7f4c9e1b5
Revises: b7e3c1a9d2f4
Create Date: 2026-12-01 16:15:00.000000
"""

from alembic import op

from federation.search import rebuild_index_sql
from systems.catalog.products.search import PRODUCT_SEARCH

revision = "d2a7f4c9e1b5"
down_revision = "b7e3c1a9d2f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in rebuild_index_sql(PRODUCT_SEARCH, op.get_bind().dialect.name, prefixes="2 3"):
        op.execute(statement)


def downgrade() -> None:
    for statement in rebuild_index_sql(PRODUCT_SEARCH, op.get_bind().dialect.name, prefixes=None):
        op.execute(statement)
