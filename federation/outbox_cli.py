"""`scs outbox`: list, retry or discard a system's parked outbox rows (the sibling of `scs dlq` for outgoing events)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from federation.settings import Settings
from federation.systems import SYSTEMS

SYSTEM_NAME = click.Choice(sorted(SYSTEMS))


@contextmanager
def _sessions(system: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on `system`'s database for one command."""
    from federation.db import make_engine, make_session_factory

    engine = make_engine(Settings.from_env(system).database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@click.group()
def outbox() -> None:
    """Inspect and act on a system's parked outbox rows (events the broker or the client library refused)."""


@outbox.command("list")
@click.argument("system", type=SYSTEM_NAME)
def outbox_list(system: str) -> None:
    """List SYSTEM's parked outbox rows with their reasons (they stay parked)."""
    from federation.outbox import outbox_backlog
    from federation.outbox_parking import parked_rows

    with _sessions(system) as sessions, sessions() as session:
        rows, waiting = parked_rows(session), outbox_backlog(session)
    for row in rows:
        click.echo(f"{row.event_id}  {row.event_type:<28} {row.attempts:>3}x {row.parked_at:<33} {row.reason}")
    click.echo(f"{len(rows)} parked row(s) in {system}'s outbox ({waiting} waiting for the relay)")


@outbox.command("retry")
@click.argument("system", type=SYSTEM_NAME)
@click.argument("event_ids", nargs=-1)
def outbox_retry(system: str, event_ids: tuple[str, ...]) -> None:
    """Put SYSTEM's parked rows (all, or the given event ids) back in line for the relay, with fresh attempts."""
    from federation.outbox_parking import retry

    with _sessions(system) as sessions:
        done = retry(sessions, event_ids or None)
    _report_missing(event_ids, [row.event_id for row in done])
    click.echo(f"put {len(done)} parked row(s) of {system} back in line")


@outbox.command("discard")
@click.argument("system", type=SYSTEM_NAME)
@click.argument("event_ids", nargs=-1, required=True)
def outbox_discard(system: str, event_ids: tuple[str, ...]) -> None:
    """Delete the given parked rows of SYSTEM for good: their events are never published."""
    from federation.outbox_parking import discard

    with _sessions(system) as sessions:
        done = discard(sessions, event_ids)
    _report_missing(event_ids, [row.event_id for row in done])
    click.echo(f"discarded {len(done)} parked row(s) of {system}")


def _report_missing(wanted: tuple[str, ...], found: list[str]) -> None:
    """Fail (exit 1) naming the ids that are not parked (after acting on those that are)."""
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise click.ClickException(f"not parked: {', '.join(missing)}")
