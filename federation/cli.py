"""The `scs` command line: finds systems by name through federation.systems.SYSTEMS and runs their parts."""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING, Any

import click

from federation.broker_urls import BrokerUrlError, masked
from federation.contracts_cli import contracts
from federation.outbox_cli import outbox
from federation.process import one_process_metrics_dir, prepare_process
from federation.settings import InvalidSetting, Settings, format_duration
from federation.shapes_cli import function, one_process
from federation.systems import SYSTEMS, load_system, load_systems
from federation.topology import Names

if TYPE_CHECKING:
    from flask import Flask

    from federation.dead_letters import DeadLetter

SYSTEM_NAME = click.Choice(sorted(SYSTEMS))


class _Commands(click.Group):
    """The built-in commands plus those systems contribute (e.g. `scs users`), imported only when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, for --help."""
        return sorted({*super().list_commands(ctx), *_system_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """A built-in command, else one a system contributes."""
        return super().get_command(ctx, name) or _system_commands().get(name)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an unaccepted setting or broker URL stops it with one line naming it (exit code 1)."""
        try:
            return super().invoke(ctx)
        except (InvalidSetting, BrokerUrlError) as error:
            raise click.ClickException(str(error)) from error


def _system_commands() -> dict[str, click.Command]:
    """Commands contributed by the systems (importing them)."""
    commands: dict[str, click.Command] = {}
    for name in SYSTEMS:
        try:
            system = load_system(name)
        except ModuleNotFoundError as error:  # a checkout without that system (yet)
            if not (error.name or "").startswith("systems"):
                raise
            continue
        commands.update({command.name or "": command for command in system.commands})
    return commands


def _prepare_process(system: str, kind: str) -> Settings:
    """Logging with the process name, and the metrics directory shared by the system's processes (before any system import)."""
    settings = Settings.from_env(system)
    prepare_process(f"{system}-{kind}", settings.metrics_dir)
    return settings


@click.group(cls=_Commands)
def main() -> None:
    """Run and operate the user, catalog and order systems."""
    from federation.logs import configure_logging

    configure_logging("scs")


@main.command()
@click.argument("system", type=SYSTEM_NAME)
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
@click.option("--bind", default=None, help="host:port (default 127.0.0.1:<SCS_<SYSTEM>_PORT>)")
def web(system: str, workers: int, bind: str | None) -> None:
    """Serve SYSTEM's web UI and JSON API with gunicorn."""
    from federation.serving import serve

    settings = _prepare_process(system, "web")

    def load() -> Flask:
        from federation.web import create_system_app  # imports prometheus_client: only once its dir is set

        return create_system_app(load_system(system))

    serve([bind or f"127.0.0.1:{settings.port}"], workers, load, f"{system}-web")


@main.command()
@click.argument("system", type=SYSTEM_NAME)
@click.option("--check", is_flag=True, help="only tell (exit code) whether SYSTEM's worker is alive, for health checks")
def worker(system: str, check: bool) -> None:
    """Run SYSTEM's consumers and outbox relay until interrupted."""
    if check:
        from federation.heartbeat import worker_is_alive

        sys.exit(0 if worker_is_alive(Settings.from_env(system)) else 1)
    settings = _prepare_process(system, "worker")
    from federation.worker import WorkerPart, run_traced

    run_traced(f"{system}-worker", [WorkerPart(load_system(system), settings)])


@main.command()
@click.option("--demo", is_flag=True, help="load the demo data set once the systems are up")
@click.option("--web-workers", default=2, show_default=True, help="gunicorn workers per system")
@click.option("--one-process", is_flag=True, help="one web server and one worker for all systems (a laptop)")
def up(demo: bool, web_workers: int, one_process: bool) -> None:
    """Start all three systems natively (web + worker each, or --one-process), after applying their migrations."""
    from federation import up as federation_up

    amqp_url = Settings.from_env("user").amqp_url
    if not federation_up.broker_reachable(amqp_url):
        raise click.ClickException(
            f"RabbitMQ is not reachable at {masked(amqp_url)} — start one (e.g. `rabbitmq-server -detached`, or "
            "`docker run -d -p 5672:5672 rabbitmq:3.13-management`) or set SCS_AMQP_URL."
        )
    from federation.migrations import upgrade as apply

    systems = load_systems()
    for system in systems:
        settings = Settings.from_env(system.name)
        apply(system, settings)
        shutil.rmtree(settings.metrics_dir, ignore_errors=True)  # counters start afresh with the processes
    shutil.rmtree(one_process_metrics_dir(settings.data_dir), ignore_errors=True)
    names = [system.name for system in systems]
    click.echo(federation_up.start_message(names))
    children = (
        federation_up.one_process_children(web_workers)
        if one_process
        else federation_up.children_for(names, web_workers)
    )
    if demo:
        children.append(
            federation_up.Child("demo-data", [sys.executable, "-m", "federation.cli", "demo-data"], oneshot=True)
        )
    sys.exit(federation_up.run(children))


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


@main.command("demo-data")
@click.argument("system", type=SYSTEM_NAME, required=False)
@click.option("--wait", default=120, show_default=True, help="seconds to wait for copies a loader depends on")
@click.option("--products", type=click.IntRange(min=0), help="load products up to N in all (default: 12 demo ones)")
@click.option("--orders", type=click.IntRange(min=0), help="place orders up to M in all (default: 2 demo ones)")
def demo_data(system: str | None, wait: int, products: int | None, orders: int | None) -> None:
    """Fill SYSTEM (all three when omitted) with a realistic data set, published like any other change.

    With --products/--orders it shows progress and then waits until the other systems' workers have applied
    the events (giving up once nothing moved for --wait seconds).
    """
    from federation.demo import load_demo_data
    from federation.systems import DemoScale

    scale = DemoScale(products=products, orders=orders)
    try:
        load_demo_data(
            load_systems([system] if system else None),
            wait,
            click.echo,
            scale,
            consumers=load_systems() if scale.asked else None,
        )
    except TimeoutError as error:
        raise click.ClickException(f"demo data incomplete (are the workers running?): {error}") from error


@main.command("broker-definitions")
@click.option("--out", type=click.Path(dir_okay=False), default="-", help="file to write (default: standard output)")
def broker_definitions(out: str) -> None:
    """Write RabbitMQ definitions (topology, one least-privilege user per system) from SCS_<SYSTEM>_AMQP_PASSWORD.

    Honours SCS_NAMESPACE: exchange, queue and system user names, and the permissions, get its prefix.
    """
    import json

    from federation.broker_definitions import ADMIN_USER, definitions

    variables = {
        ADMIN_USER: "SCS_BROKER_ADMIN_PASSWORD",
        **{name: f"SCS_{name.upper()}_AMQP_PASSWORD" for name in SYSTEMS},
    }
    missing = [variable for variable in variables.values() if not os.environ.get(variable)]
    if missing:
        raise click.ClickException(f"set the broker passwords first: {', '.join(missing)}")
    passwords = {user: os.environ[variable] for user, variable in variables.items()}
    settings = Settings.from_env("user")
    document = definitions(load_systems(), passwords, settings.retry_delays_ms, namespace=settings.namespace)
    with click.open_file(out, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")


@main.group()
def dlq() -> None:
    """Inspect and act on a system's dead letters."""


@dlq.command("list")
@click.argument("system", type=SYSTEM_NAME)
def dlq_list(system: str) -> None:
    """List SYSTEM's dead letters with their reasons (they stay in the queue)."""
    from federation.dead_letters import list_dead_letters

    settings = Settings.from_env(system)
    letters = list_dead_letters(settings.amqp_url, Names(settings.namespace), system)
    for letter in letters:
        click.echo(
            f"{letter.message_id}  {letter.event_type or '?':<28} {letter.dead_lettered_at or '-':<32} {letter.reason}"
        )
    click.echo(f"{len(letters)} dead letter(s) in {system}")


@dlq.command("replay")
@click.argument("system", type=SYSTEM_NAME)
@click.argument("message_ids", nargs=-1)
def dlq_replay(system: str, message_ids: tuple[str, ...]) -> None:
    """Send SYSTEM's dead letters (all, or the given ids) back to its inbox queue."""
    from federation.dead_letters import replay

    settings = Settings.from_env(system)
    replayed = replay(settings.amqp_url, Names(settings.namespace), system, message_ids or None)
    _report_missing(message_ids, replayed)
    click.echo(f"replayed {len(replayed)} dead letter(s) into {system}")


@dlq.command("discard")
@click.argument("system", type=SYSTEM_NAME)
@click.argument("message_ids", nargs=-1, required=True)
def dlq_discard(system: str, message_ids: tuple[str, ...]) -> None:
    """Drop the given dead letters of SYSTEM for good."""
    from federation.dead_letters import discard

    settings = Settings.from_env(system)
    discarded = discard(settings.amqp_url, Names(settings.namespace), system, message_ids)
    _report_missing(message_ids, discarded)
    click.echo(f"discarded {len(discarded)} dead letter(s) of {system}")


def _report_missing(wanted: tuple[str, ...], found: list[DeadLetter]) -> None:
    """Fail (exit 1) naming the ids that were not in the queue."""
    missing = sorted(set(wanted) - {letter.message_id for letter in found})
    if missing:
        raise click.ClickException(f"not in the dead-letter queue: {', '.join(missing)}")


@main.command()
@click.argument("system", type=SYSTEM_NAME)
@click.option("--from", "producer", type=SYSTEM_NAME, required=True, help="the system whose data SYSTEM copies")
@click.option("--rebuild", is_flag=True, help="replace SYSTEM's copy whatever versions it holds (a copy pinned ahead)")
@click.option(
    "--wait",
    default=120,
    show_default=True,
    help="show SYSTEM applying the events until done or nothing moved for this many seconds (0: do not wait)",
)
def resync(system: str, producer: str, rebuild: bool, wait: int) -> None:
    """Rebuild SYSTEM's copy of PRODUCER's data from a full re-publication."""
    from federation.progress import wait_until_applied
    from federation.relay import BrokerUnavailable
    from federation.relay_refusals import PublishRefused
    from federation.resync import resync as run_resync
    from federation.runtime_models import utcnow

    started = utcnow()
    try:
        count = run_resync(load_system(system), load_system(producer), Settings.from_env(producer), rebuild)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    except (BrokerUnavailable, PublishRefused) as error:
        raise click.ClickException(
            f"re-published into {producer}'s outbox; its worker relays them ({error})"
        ) from error
    how = "replaces its copy with them" if rebuild else "applies them idempotently"
    click.echo(f"{producer} re-published {count} event(s); {system}'s worker {how}")
    if wait and count:
        wait_until_applied(load_system(producer), started, [load_system(system)], wait, click.echo)


@main.command()
@click.argument("system", type=SYSTEM_NAME, required=False)
def prune(system: str | None) -> None:
    """Delete SYSTEM's (all systems' when omitted) published outbox and inbox rows older than their retention, now."""
    from sqlalchemy.exc import SQLAlchemyError

    from federation.db import make_engine, make_session_factory
    from federation.housekeeping import prunable, prune_now
    from federation.progress import Progress

    for name in [system] if system else sorted(SYSTEMS):
        settings = Settings.from_env(name)
        engine = make_engine(settings.database_url)
        try:
            session_factory = make_session_factory(engine)
            due = prunable(
                session_factory, outbox_retention=settings.outbox_retention, inbox_retention=settings.inbox_retention
            )
            progress = Progress(f"{name} pruned", due, "rows")
            pruned = prune_now(session_factory, settings, on_batch=progress.advance)
            progress.finish()
        except SQLAlchemyError as error:
            where = engine.url.render_as_string(hide_password=True)
            raise click.ClickException(f"{name}: database at {where} unreachable: {_first_line(error)}") from None
        finally:
            engine.dispose()
        click.echo(
            f"{name}: deleted {pruned.outbox} outbox row(s) published over {format_duration(settings.outbox_retention)} "
            f"ago, {pruned.inbox} inbox row(s) over {format_duration(settings.inbox_retention)} old"
        )


def _first_line(error: Exception) -> str:
    """The first line of a driver's error (they run on with SQL and links to docs)."""
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else cause.__class__.__name__


@main.command()
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(as_json: bool) -> None:
    """Per system: reachable, outbox backlog, parked rows, relay lease holder, queue depth, dead letters, freshness."""
    import dataclasses
    import json

    from federation.status import system_status

    report = [system_status(Settings.from_env(name)) for name in SYSTEMS]
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(entry) for entry in report], indent=2))
        return
    click.echo(
        f"{'system':<9}{'web':<6}{'db':<6}{'outbox':>8}{'parked':>8}{'inbox':>8}{'dlq':>6}  freshness (s since last event)"
    )
    for entry in report:
        freshness = ", ".join(f"{p}: {s}" for p, s in sorted(entry.seconds_since_last_event.items())) or "-"
        click.echo(
            f"{entry.system:<9}{_yes(entry.web_reachable):<6}{_yes(entry.database_reachable):<6}"
            f"{_num(entry.outbox_backlog):>8}{_num(entry.outbox_parked):>8}{_num(entry.inbox_depth):>8}"
            f"{_num(entry.dead_letters):>6}  {freshness}"
        )
        if entry.outbox_parked:
            click.echo(f"         ! {entry.outbox_parked} parked outbox row(s): scs outbox list {entry.system}")
        if entry.database_reachable:
            click.echo(f"         relay lease: {_lease(entry.relay_lease_holder, entry.relay_lease_since)}")
        for error in entry.errors:
            click.echo(f"         ! {error}")


def _yes(value: bool) -> str:
    """A status word that stands out when something is down."""
    return "up" if value else "DOWN"


def _lease(holder: str | None, since: str | None) -> str:
    """Who relays the system's outbox, and since when."""
    return f"{holder} since {since}" if holder else "nobody holds it (no worker running?)"


def _num(value: int | None) -> str:
    """A figure, or '?' when it could not be read."""
    return "?" if value is None else str(value)


main.add_command(contracts)
main.add_command(outbox)
main.add_command(one_process)
main.add_command(function)


if __name__ == "__main__":
    main()
