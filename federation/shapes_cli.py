"""`scs one-process web|worker` and `scs function SYSTEM FUNCTION`: the same systems in other deployment shapes.

docs/deployment-shapes.md compares them with the self-contained shape of `scs web` and `scs worker` per system.
"""

from __future__ import annotations

import click

from federation.process import ONE_PROCESS, one_process_metrics_dir, prepare_process
from federation.settings import Settings
from federation.systems import SYSTEMS


@click.group(ONE_PROCESS)
def one_process() -> None:
    """All systems in two processes: one web server, one worker (`scs up --one-process` starts both)."""


@one_process.command("web")
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on, at every system's port")
def one_process_web(workers: int, host: str) -> None:
    """Serve every system's web UI and JSON API from one gunicorn, each on its SCS_<SYSTEM>_PORT."""
    from federation.serving import one_process_app, serve
    from federation.systems import load_systems

    prepare_process(f"{ONE_PROCESS}-web", one_process_metrics_dir(Settings.from_env("user").data_dir))
    bind = [f"{host}:{Settings.from_env(name).port}" for name in SYSTEMS]
    serve(bind, workers, lambda: one_process_app(load_systems()), f"{ONE_PROCESS}-web")


@one_process.command("worker")
def one_process_worker() -> None:
    """Run every system's consumer and outbox relay (each with its own lease) in this one process."""
    prepare_process(f"{ONE_PROCESS}-worker", one_process_metrics_dir(Settings.from_env("user").data_dir))
    from federation.systems import load_systems
    from federation.worker import WorkerPart, run_traced

    run_traced(
        f"{ONE_PROCESS}-worker", [WorkerPart(system, Settings.from_env(system.name)) for system in load_systems()]
    )


@click.command("function")
@click.argument("system_name", metavar="SYSTEM")
@click.argument("function_name", metavar="FUNCTION")
@click.option("--workers", default=1, show_default=True, help="gunicorn worker processes (restful functions)")
@click.option("--bind", default=None, help="host:port of a restful function (default 127.0.0.1:<SCS_<SYSTEM>_PORT>)")
def function(system_name: str, function_name: str, workers: int, bind: str | None) -> None:
    """Serve (restful) or consume (reactive) only FUNCTION of SYSTEM, in a process of its own.

    A reactive function consumes a queue of its own (`<system>.fn.<function>.inbox`) bound to its event types,
    records its own inbox rows, and runs the system's relay (publishing only while it holds the system's lease).
    """
    if system_name not in SYSTEMS:
        raise click.ClickException(f"unknown system {system_name!r}; valid: {', '.join(sorted(SYSTEMS))}")
    settings = Settings.from_env(system_name)
    process = f"{system_name}-fn-{function_name}"
    prepare_process(process, settings.metrics_dir)
    from federation.function_shape import UnknownFunction, find_function
    from federation.systems import load_system

    try:
        chosen = find_function(load_system(system_name), function_name)
    except UnknownFunction as error:
        raise click.ClickException(str(error)) from None
    if chosen.kind == "restful":
        from federation.serving import function_app, serve

        serve([bind or f"127.0.0.1:{settings.port}"], workers, lambda: function_app(chosen), process)
        return
    from federation.heartbeat import heartbeat_file
    from federation.worker import WorkerPart, run_traced

    beat = heartbeat_file(settings, f"fn.{chosen.name}")
    run_traced(process, [WorkerPart(chosen.system, settings, chosen.consumer_name, beat)])
