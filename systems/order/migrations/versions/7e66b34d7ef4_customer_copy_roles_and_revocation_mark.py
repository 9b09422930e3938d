"""Roles and revocation mark in the customer copy, to judge tokens by.

Revision ID: 7e66b34d7ef4
Revises: 2a2bcaaa5feb
Create Date: 2026-12-01 09:15:36.376376

Rows copied before this revision hold no roles: live customers get ["customer"] (what an unknown account may do
anyway), tombstones []; `scs resync order --from user` brings the real roles and marks.
"""

import sqlalchemy as sa
from alembic import op

revision = "7e66b34d7ef4"
down_revision = "2a2bcaaa5feb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer_copy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roles", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))
    customers = sa.table("customer_copy", sa.column("deleted", sa.Boolean()), sa.column("roles", sa.JSON()))
    op.execute(customers.update().where(customers.c.deleted.is_(False)).values(roles=["customer"]))
    op.execute(customers.update().where(customers.c.deleted.is_(True)).values(roles=[]))
    with op.batch_alter_table("customer_copy", schema=None) as batch_op:
        batch_op.alter_column("roles", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("customer_copy", schema=None) as batch_op:
        batch_op.drop_column("tokens_valid_after")
        batch_op.drop_column("roles")
