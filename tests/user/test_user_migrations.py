"""The user system's migrations build exactly the tables its models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from federation.db import make_engine
from federation.migrations import upgrade
from federation.runtime_models import RuntimeBase
from federation.settings import Settings
from systems.user.system import SYSTEM


def test_migrations_match_the_models(data_dir, database_url):
    engine = make_engine(database_url)
    upgrade(SYSTEM, Settings.from_env("user", {"SCS_DATA_DIR": str(data_dir)}), engine=engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        # compare_metadata is annotated MetaData, but hands it to AutogenContext, which takes a sequence too
        metadata = [SYSTEM.metadata, RuntimeBase.metadata]
        assert compare_metadata(context, metadata) == []  # type: ignore[arg-type]
    engine.dispose()
