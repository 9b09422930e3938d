"""Small versioned HTML fragments one system serves for the others' pages: bare, with CORS for the federation's origins."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, render_template, request


def origin_of(url: str) -> str:
    """scheme://host[:port] of a base URL, the form browsers send in the Origin header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def fragment(template: str, **context: Any) -> Response:
    """`template` rendered without the layout; readable with cookies from the configured system URLs only, never cached."""
    response = Response(render_template(template, **context), content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = "Origin, Cookie"
    origin = request.headers.get("Origin", "")
    allowed = {origin_of(url) for url in current_app.extensions["scs"].settings.system_urls.values()}
    if origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
    return response
