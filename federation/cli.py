"""The `scs` command line: finds systems by name through federation.systems.SYSTEMS and runs their parts."""

from __future__ import annotations

import logging
import sys

import click

from federation.settings import Settings
from federation.systems import SYSTEMS, load_system, load_systems

SYSTEM_NAME = click.Choice(sorted(SYSTEMS))


def _configure_logging() -> None:
    """Readable lines prefixed with the logger name."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@click.group()
def main() -> None:
    """Run and operate the user, catalog and order systems."""
    _configure_logging()


@main.command()
@click.argument("system", type=SYSTEM_NAME)
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
@click.option("--bind", default=None, help="host:port (default 127.0.0.1:<SCS_<SYSTEM>_PORT>)")
def web(system: str, workers: int, bind: str | None) -> None:
    """Serve SYSTEM's web UI and JSON API with gunicorn."""
    from gunicorn.app.base import BaseApplication

    settings = Settings.from_env(system)
    options = {"bind": bind or f"127.0.0.1:{settings.port}", "workers": workers, "accesslog": "-", "timeout": 30}

    class _Server(BaseApplication):
        """gunicorn serving the system's app factory."""

        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return load_system(system).create_app()

    _Server().run()


@main.command()
@click.argument("system", type=SYSTEM_NAME)
def worker(system: str) -> None:
    """Run SYSTEM's consumers and outbox relay until interrupted."""
    from federation.worker import run_worker

    run_worker(load_system(system), Settings.from_env(system))


@main.group()
def db() -> None:
    """Database migrations, one Alembic history per system."""


@db.command()
@click.argument("system", type=SYSTEM_NAME, required=False)
def upgrade(system: str | None) -> None:
    """Apply SYSTEM's migrations (all systems when omitted)."""
    from federation.migrations import upgrade as apply

    for each in load_systems([system] if system else None):
        apply(each, Settings.from_env(each.name))
        click.echo(f"{each.name}: database at head")


@db.command()
@click.argument("system", type=SYSTEM_NAME)
@click.option("-m", "--message", required=True)
def revision(system: str, message: str) -> None:
    """Autogenerate a migration for SYSTEM from its models."""
    from federation.migrations import revision as make

    make(load_system(system), Settings.from_env(system), message)


def _add_system_commands() -> None:
    """Commands that systems contribute (e.g. `scs users add` from the user system)."""
    for name in SYSTEMS:
        try:
            system = load_system(name)
        except ModuleNotFoundError as error:  # a checkout without that system yet
            if not (error.name or "").startswith("systems"):
                raise
            continue
        for command in system.commands:
            main.add_command(command)


_add_system_commands()
