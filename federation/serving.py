"""The web halves of the shapes: gunicorn serving a WSGI app factory, the one-process port dispatcher, a function's app.

Nothing here imports Flask or a system at import time: the metrics directory must be set first (federation.process).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from federation.settings import InvalidSetting, Settings

if TYPE_CHECKING:
    from flask import Flask

    from federation.function_shape import Function
    from federation.systems import System

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def serve(bind: list[str], workers: int, load: Callable[[], WSGIApp], process: str) -> None:
    """Run gunicorn on the `bind` addresses with `workers` processes, each serving the app `load()` builds.

    Each worker starts its own telemetry as `process` after the fork (export threads do not survive a fork).
    """
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": bind,
        "workers": workers,
        "timeout": 30,
        "graceful_timeout": 5,
        "child_exit": _forget_worker_metrics,
        "worker_exit": _flush_telemetry,
    }

    class _Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type information
        """gunicorn serving the app factory."""

        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIApp:
            from federation.telemetry import start_telemetry

            start_telemetry(process)
            return load()

    _Server().run()


def _flush_telemetry(_server: object, _worker: object) -> None:
    """Gunicorn hook, in a worker that is exiting: send the spans it still holds."""
    from federation.telemetry import active

    active().shutdown()


def _forget_worker_metrics(_server: object, worker: Any) -> None:
    """Gunicorn hook: drop the live gauges of a worker process that exited."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # unannotated in prometheus_client


class PortDispatcher:
    """One WSGI app for several systems: a request goes to the system whose port its connection arrived on.

    By port rather than by URL prefix, so every system keeps its URL, its links and its cookies as in the other
    shapes, and nothing in systems/ changes. The port is the listening socket's own, not the Host header's: a
    client cannot steer a request to another system by naming another port.
    """

    def __init__(self, apps: Mapping[int, WSGIApp]) -> None:
        """Serve `apps[port]` for connections to `port`."""
        self.apps = dict(apps)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Hand the request to its port's app; 404 for a port no system is on."""
        app = self.apps.get(arrival_port(environ))
        if app is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"no system is served on this port\n"]
        return app(environ, start_response)


def arrival_port(environ: Mapping[str, Any]) -> int:
    """The local port of the connection (gunicorn hands over its socket), else the server's SERVER_PORT."""
    connection = environ.get("gunicorn.socket")
    address = connection.getsockname() if connection is not None else None
    if isinstance(address, tuple):
        return int(address[1])
    return int(environ.get("SERVER_PORT") or 0)


def one_process_app(systems: Iterable[System], test_config: Mapping[str, Any] | None = None) -> PortDispatcher:
    """Every system's app in one WSGI app, each on its own SCS_<SYSTEM>_PORT, with its own settings and database."""
    import os

    from federation.web import create_system_app

    environ = {**os.environ, **{k: v for k, v in (test_config or {}).items() if k.startswith("SCS_")}}
    apps: dict[int, WSGIApp] = {}
    for system in systems:
        port = Settings.from_env(system.name, environ).port
        if port in apps:
            raise InvalidSetting(f"SCS_{system.name.upper()}_PORT={port} is another system's port too")
        apps[port] = create_system_app(system, test_config)
    return PortDispatcher(apps)


def function_app(function: Function, test_config: Mapping[str, Any] | None = None) -> Flask:
    """The system's app serving only `function`'s routes (and /healthz, /metrics, the shared static files).

    The system's other routes are known for building links (url_for in templates) but answer 404 here: behind a
    gateway that sends each path to its function's processes, the links lead to the right place.
    """
    from werkzeug.routing import Rule

    from federation.web import create_system_app

    app = create_system_app(function.system, test_config)
    for route in function.link_only:
        app.url_map.add(Rule(route.rule, endpoint=route.endpoint, methods=list(route.methods), build_only=True))
    return app
