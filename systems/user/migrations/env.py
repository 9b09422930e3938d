"""Alembic environment of the user system: the runtime migrates its models and the outbox/inbox tables."""

from federation.migrations import run_migrations

run_migrations()
