"""Alembic environment of the order system: its models plus the runtime's outbox and inbox tables."""

from federation.migrations import run_migrations

run_migrations()
