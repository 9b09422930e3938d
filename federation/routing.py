"""The route table of a resource group's restful/ folder: one readable list of (rule, function, methods)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect


@dataclass(frozen=True)
class Route:
    """One URL rule served by one restful function (the endpoint is the function's name)."""

    rule: str
    view: Callable[..., Any]
    methods: Sequence[str] = ("GET",)
    max_body_bytes: int | None = None  # a larger limit than the app's MAX_CONTENT_LENGTH (file uploads)

    @property
    def endpoint(self) -> str:
        """The name url_for() knows the route by."""
        return self.view.__name__

    @property
    def is_api(self) -> bool:
        """JSON API routes authenticate by token and answer errors in JSON."""
        return self.rule.startswith("/api/")


def register_routes(app: Flask, routes: Iterable[Route], csrf: CSRFProtect) -> None:
    """Add every route to the Flask app; JSON API routes are CSRF-exempt (they require a JSON body or a bearer token)."""
    for route in routes:
        view = csrf.exempt(route.view) if route.is_api else route.view
        app.add_url_rule(route.rule, endpoint=route.endpoint, view_func=view, methods=list(route.methods))


def install_body_limits(app: Flask, routes: Iterable[Route]) -> None:
    """Give routes with `max_body_bytes` their own request size limit; install before CSRFProtect, which reads the form."""
    limits = {route.endpoint: route.max_body_bytes for route in routes if route.max_body_bytes}
    if not limits:
        return

    @app.before_request
    def _body_limit() -> None:
        limit = limits.get(request.endpoint or "")
        if limit:
            request.max_content_length = limit
