"""The correlation id of the work in progress: set per HTTP request or consumed event, carried into every event it causes."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

MAX_LENGTH = 128
_ACCEPTABLE = re.compile(rf"[!-~]{{1,{MAX_LENGTH}}}")  # printable ASCII without spaces: one byte per character

_current: ContextVar[str | None] = ContextVar("scs_correlation_id", default=None)


def current_correlation_id() -> str | None:
    """The correlation id bound to this request or message, if any."""
    return _current.get()


def bind_correlation_id(value: str | None) -> str:
    """Bind `value` as the current correlation id if it is short printable ASCII, else a fresh id; return it.

    The id travels in AMQP's `correlation_id` (at most 255 bytes) and in log lines, so an outsider's
    X-Request-ID is taken only when it can do neither harm.
    """
    value = (value or "").strip()
    if not _ACCEPTABLE.fullmatch(value):
        value = uuid.uuid4().hex
    _current.set(value)
    return value
