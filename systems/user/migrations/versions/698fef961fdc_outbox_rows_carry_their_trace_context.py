"""Outbox rows carry the W3C trace context of the transaction that wrote them.

The relay sends it on as AMQP headers (traceparent, tracestate), so one checkout is one trace (federation/tracing.py).

Revision ID: 698fef961fdc
Revises: cc39701b1895
Create Date: 2026-12-01 12:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "698fef961fdc"
down_revision = "cc39701b1895"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scs_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace_context", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scs_outbox", schema=None) as batch_op:
        batch_op.drop_column("trace_context")
