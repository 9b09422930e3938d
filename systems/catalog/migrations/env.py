"""Alembic entry point of the catalog's own migration history."""

from federation.migrations import run_migrations

run_migrations()
