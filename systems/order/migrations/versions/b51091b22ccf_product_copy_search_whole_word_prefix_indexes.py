"""Product copy search: FTS5 rebuilt with prefix indexes of 2 to 10 characters, so a whole word typed is one index entry.

SQLite only ("stoneware"* merged every term it starts from the index's term list: 0.60 → 0.33 ms at 100k products).

Revision ID: b51091b22ccf
Revises: a7d4e9b2c6f1
Create Date: 2026-12-01 23:30:00.000000
"""

from alembic import op

from federation.search import rebuild_index_sql
from systems.order.products_copy.search import PRODUCT_COPY_SEARCH

revision = "b51091b22ccf"
down_revision = "a7d4e9b2c6f1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in rebuild_index_sql(PRODUCT_COPY_SEARCH, op.get_bind().dialect.name, prefixes="2 3 4 5 6 7 8 9 10"):
        op.execute(statement)


def downgrade() -> None:
    for statement in rebuild_index_sql(PRODUCT_COPY_SEARCH, op.get_bind().dialect.name, prefixes="2 3"):
        op.execute(statement)
