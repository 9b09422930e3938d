"""The Flask app factory every system uses: settings, database session per request, CSRF, errors, shared layout, health."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect
from opentelemetry import trace
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from federation import errors, metrics
from federation.auth import TokenVerifier, admin_required, current_identity, login_url
from federation.broker_urls import unreachable_reason
from federation.correlation import bind_correlation_id
from federation.db import make_engine, make_session_factory, read_only
from federation.formatting import install_filters
from federation.fragments import origin_of
from federation.outbox_parking import outbox_problem, outbox_warning
from federation.pagination import page_url
from federation.request_input import StrictJSONProvider, refuse_nul_in_query_and_form
from federation.routing import install_body_limits, register_routes
from federation.search import CANDIDATES
from federation.settings import Settings
from federation.status import system_status
from federation.systems import System
from federation.telemetry import active, instrument_engine
from federation.topology import Names
from federation.transaction_retry import retrying_aborted_transactions

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
NAV_LINKS = (("catalog", "Products"), ("order", "Cart & orders"), ("user", "Account"))


@dataclass
class Runtime:
    """What the runtime keeps per app: settings, database access and token verification."""

    system: System
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    verifier: TokenVerifier

    @property
    def names(self) -> Names:
        """Broker names in this app's namespace."""
        return Names(self.settings.namespace)


def create_system_app(system: System, test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build `system`'s Flask app; `test_config` may override Flask keys and SCS_* environment names."""
    test_config = dict(test_config or {})
    settings = Settings.from_env(
        system.name, {**os.environ, **{k: v for k, v in test_config.items() if k.startswith("SCS_")}}
    )
    app = Flask(
        f"systems.{system.name}", root_path=str(system.package_dir), template_folder="templates", static_folder="static"
    )
    app.config.update(
        SECRET_KEY=settings.flask_secret_key(),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.system_urls[system.name].startswith("https://"),
        SESSION_COOKIE_NAME=f"scs_{system.name}_session",
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update({k: v for k, v in test_config.items() if not k.startswith("SCS_")})
    app.json = StrictJSONProvider(app)
    engine = make_engine(settings.database_url)
    app.extensions["scs"] = Runtime(
        system=system,
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine, settings),
        read_session_factory=make_session_factory(read_only(engine), settings),
        verifier=TokenVerifier(settings),
    )
    if settings.trusted_proxies:  # behind N proxies that set X-Forwarded-For and -Proto: the client and scheme they saw
        proxies = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    _instrument(app, engine)
    install_body_limits(app, system.routes)
    csrf = CSRFProtect(app)
    errors.init_app(app)
    app.register_blueprint(_shared_blueprint())
    routes = [
        replace(route, view=retrying_aborted_transactions(route.view, discard_db_session)) for route in system.routes
    ]
    register_routes(app, routes, csrf)
    install_filters(app)
    _install_request_hooks(app)
    if system.configure_app is not None:
        system.configure_app(app)
    return app


def _instrument(app: Flask, engine: Engine) -> None:
    """Trace requests (OpenTelemetry's Flask instrumentation) and their SQL, when this process exports traces.

    A request's incoming `traceparent` is its parent; a malformed one starts a new trace. Probes and /metrics are
    left out: they would bury the checkouts.
    """
    telemetry = active()
    if telemetry.tracer_provider is None:
        return
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor.instrument_app(  # type: ignore[no-untyped-call]  # the instrumentation is unannotated
        app,
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
        excluded_urls="/healthz,/readyz,/metrics,/_scs/static",
    )
    instrument_engine(engine)


def db_session() -> Session:
    """The request's database session (read-only transactions for GET/HEAD); closed when the request ends."""
    if "scs_db_session" not in g:
        runtime = current_app.extensions["scs"]
        factory = runtime.read_session_factory if request.method in ("GET", "HEAD") else runtime.session_factory
        g.scs_db_session = factory()
    session: Session = g.scs_db_session
    return session


def discard_db_session() -> None:
    """Close the request's database session (rolling back what it did); the next `db_session()` opens a new one."""
    session = g.pop("scs_db_session", None)
    if session is not None:
        session.close()


def runtime() -> Runtime:
    """The current app's runtime (settings, engine, verifier)."""
    current: Runtime = current_app.extensions["scs"]
    return current


def _shared_blueprint() -> Blueprint:
    """The shared layout, error page, stylesheet and health endpoints, served by every system."""
    here = os.path.dirname(__file__)
    blueprint = Blueprint(
        "scs",
        __name__,
        template_folder=os.path.join(here, "templates"),
        static_folder=os.path.join(here, "static"),
        static_url_path="/_scs/static",
    )

    @blueprint.get("/healthz")
    def healthz() -> ResponseReturnValue:
        """The process is alive."""
        return jsonify({"status": "ok", "system": current_app.extensions["scs"].system.name})

    @blueprint.get("/readyz")
    def readyz() -> ResponseReturnValue:
        """The database answers, the broker accepts connections and the outbox neither piles up nor is stuck.

        Parked outbox rows are reported as a warning but keep the system ready: the rows behind them flow on,
        and taking the web out of rotation for one unpublishable event would stop the whole system's requests.
        """
        problems = {"database": _database_problem(), "broker": _broker_problem(), "outbox": _outbox_problem()}
        reasons = {name: reason for name, reason in problems.items() if reason is not None}
        body: dict[str, object] = {
            "status": "not ready" if reasons else "ready",
            "checks": {name: reason is None for name, reason in problems.items()},
        }
        if reasons:
            body["reasons"] = reasons
        warning = _outbox_warning()
        if warning is not None:
            body["warnings"] = {"outbox": warning}
        return jsonify(body), 503 if reasons else 200

    @blueprint.get("/_status")
    @admin_required
    def status_page() -> ResponseReturnValue:
        """For operators: outbox backlog, queue depth, dead letters, replica freshness and errors of this system."""
        return render_template("_status.html", status=system_status(runtime().settings, check_web=False))

    @blueprint.get("/metrics")
    def prometheus_metrics() -> ResponseReturnValue:
        """Prometheus text format: HTTP, event and outbox figures of all this system's processes."""
        body, content_type = metrics.exposition(runtime().read_session_factory, runtime().system.name)
        return Response(body, content_type=content_type)

    return blueprint


def _database_problem() -> str | None:
    """None when the database answers a query, else why not."""
    try:
        with runtime().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as error:
        return f"database unreachable ({error.__class__.__name__})"


def _outbox_warning() -> str | None:
    """Parked outbox rows, if there are any (or why the outbox cannot be read: that makes it a problem too)."""
    try:
        with runtime().read_session_factory() as session:
            return outbox_warning(session, runtime().settings)
    except Exception:
        return None  # _outbox_problem reports an unreadable outbox


def _outbox_problem() -> str | None:
    """A backlog over SCS_READY_MAX_OUTBOX_BACKLOG, or an event waiting too long (a stuck relay)."""
    try:
        with runtime().read_session_factory() as session:
            return outbox_problem(session, runtime().settings)
    except Exception as error:
        return f"outbox unreadable ({error.__class__.__name__})"


def _broker_problem() -> str | None:
    """None when a node of the broker URL list accepts a TCP connection, else what each node answered."""
    return unreachable_reason(runtime().settings.amqp_url, timeout=1)


def _install_request_hooks(app: Flask) -> None:
    """Correlation id per request, security headers, the layout's context, and session clean-up."""

    @app.before_request
    def _bind_correlation_id() -> None:
        g.started_at = time.perf_counter()
        g.correlation_id = bind_correlation_id(request.headers.get("X-Request-ID"))
        trace.get_current_span().set_attribute("scs.correlation_id", g.correlation_id)

    app.before_request(refuse_nul_in_query_and_form)

    @app.after_request
    def _observe(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started_at", time.perf_counter())
        endpoint = metrics.endpoint_label(request.endpoint)
        system = runtime().system.name
        metrics.HTTP_REQUESTS.labels(
            system, endpoint, metrics.method_label(request.method), str(response.status_code)
        ).inc()
        metrics.HTTP_LATENCY.labels(system, endpoint).observe(elapsed)
        log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed * 1000)
        return response

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Request-ID", g.get("correlation_id", ""))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob: "
            + " ".join(origin_of(url) for url in runtime().settings.system_urls.values())
            + "; style-src 'self'; script-src 'self'; "
            "connect-src 'self' "
            + " ".join(origin_of(url) for url in runtime().settings.system_urls.values())
            + "; form-action 'self' "
            + " ".join(runtime().settings.system_urls.values())
            + "; frame-ancestors 'none'; base-uri 'none'",
        )
        return response

    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        discard_db_session()

    app.jinja_env.globals.update(page_url=page_url, search_candidates=CANDIDATES)

    @app.context_processor
    def _layout_context() -> dict[str, Any]:
        settings = runtime().settings
        return {
            "current_identity": current_identity(),
            "system_name": settings.system,
            "system_urls": settings.system_urls,
            "nav_links": NAV_LINKS,
            "login_url": login_url,
        }
