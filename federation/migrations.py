"""Alembic per system: each system keeps its own history in systems/<name>/migrations; the runtime tables ride along."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Engine

from federation.db import make_engine
from federation.runtime_models import RuntimeBase
from federation.search import is_search_object
from federation.settings import Settings
from federation.systems import System


def alembic_config(system: System, settings: Settings, engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at the system's history and database."""
    config = Config()
    config.set_main_option("script_location", str(system.migrations_dir))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(system.migrations_dir / "versions"))
    config.attributes["system"] = system
    config.attributes["engine"] = engine or make_engine(settings.database_url)
    return config


def upgrade(system: System, settings: Settings, revision: str = "head", engine: Engine | None = None) -> None:
    """Apply the system's migrations up to `revision`."""
    command.upgrade(alembic_config(system, settings, engine), revision)


def revision(system: System, settings: Settings, message: str) -> None:
    """Autogenerate a new migration from the difference between the models and the database."""
    template = system.migrations_dir / "script.py.mako"
    if not template.exists():  # Alembic reads the template from the history's folder; ours is shared
        shutil.copy(Path(__file__).with_name("script.py.mako"), template)
    command.revision(alembic_config(system, settings), message=message, autogenerate=True)


def run_migrations() -> None:
    """The body of every system's migrations/env.py: migrate its models and the runtime tables online."""
    config = context.config
    system: System = config.attributes["system"]
    engine: Engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=[system.metadata, RuntimeBase.metadata],
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=_not_a_search_index,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def _not_a_search_index(_object: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate leaves the search index's tables and columns alone (migrations build them, no model has them)."""
    return not is_search_object(name, type_, reflected and compare_to is None)
