"""Product copy search: FTS5 rebuilt with prefix indexes of 2 and 3 characters (type-ahead's first letters read one entry).

Revision ID: e5b9c3d7f2a6
Revises: c4d8e2f6a1b3
Create Date: 2026-12-01 16:15:00.000000
"""

from alembic import op

from federation.search import rebuild_index_sql
from systems.order.products_copy.search import PRODUCT_COPY_SEARCH

revision = "e5b9c3d7f2a6"
down_revision = "c4d8e2f6a1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in rebuild_index_sql(PRODUCT_COPY_SEARCH, op.get_bind().dialect.name, prefixes="2 3"):
        op.execute(statement)


def downgrade() -> None:
    for statement in rebuild_index_sql(PRODUCT_COPY_SEARCH, op.get_bind().dialect.name, prefixes=None):
        op.execute(statement)
