"""Errors with a stable shape: JSON `{"error": {code, message, details}}` under /api/, elsewhere an HTML page."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise from a restful function to answer with an error of the stable shape."""

    def __init__(self, status: int, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        """An error answered with `status`; `code` defaults to the status's name, `details` to {}."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.details = details or {}


def wants_json() -> bool:
    """API paths (and clients that only accept JSON) get JSON errors."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(
    status: int, message: str, code: str | None = None, details: dict[str, Any] | None = None
) -> tuple[Response | str, int]:
    """Render an error as JSON or as the shared HTML error page, whichever the client expects."""
    code = code or CODES.get(status, "error")
    if wants_json():
        return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status
    return render_template("error.html", status=status, code=code, message=message), status


def init_app(app: Flask) -> None:
    """Install the handlers that turn every error into the stable shape."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> ResponseReturnValue:
        return error_response(error.status, error.message, error.code, error.details)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        response = error_response(error.code or 500, error.description or error.name)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side. The error has been logged.")
