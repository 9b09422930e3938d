"""Outbox rows count refused attempts, park, and carry a rebuild target.

A row the broker or the client library refuses for its content is retried a few times, then parked
(federation/outbox_parking.py); `rebuild_for` marks re-published rows of `scs resync --rebuild`.

Revision ID: 53d710af8d23
Revises: 54445005ba1e
Create Date: 2026-12-01 09:12:44.857914
"""

import sqlalchemy as sa
from alembic import op

revision = "53d710af8d23"
down_revision = "54445005ba1e"
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
