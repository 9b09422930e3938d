"""Outbox rows count refused attempts, park, and carry a rebuild target.

A row the broker or the client library refuses for its content is retried a few times, then parked
(federation/outbox_parking.py); `rebuild_for` marks re-published rows of `scs resync --rebuild`.

Revision ID: d8695f58fda4
Revises: 67d197e4e2d7
Create Date: 2026-12-01 09:12:40.783423
"""

import sqlalchemy as sa
from alembic import op

revision = "d8695f58fda4"
down_revision = "67d197e4e2d7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scs_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rebuild_for", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scs_outbox", schema=None) as batch_op:
        batch_op.drop_column("rebuild_for")
        batch_op.drop_column("parked_at")
        batch_op.drop_column("attempts")
