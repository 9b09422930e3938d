"""The correlation id of the work in progress: set per HTTP request or consumed event, carried into every event it causes."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("scs_correlation_id", default=None)


def current_correlation_id() -> str | None:
    """The correlation id bound to this request or message, if any."""
    return _current.get()


def bind_correlation_id(value: str | None) -> str:
    """Bind `value` (or a fresh id) as the current correlation id and return it."""
    value = (value or "").strip()[:200] or uuid.uuid4().hex
    _current.set(value)
    return value
