"""Errors raised when an event does not honour the contract; reasons are short, for dead-letter headers."""

from __future__ import annotations

from pydantic import ValidationError

MAX_REASON_CHARS = 500
MAX_LISTED_ERRORS = 5


def _clean(reason: str) -> str:
    """Make a reason safe for AMQP headers: valid UTF-8, single line, bounded length."""
    text = " ".join(reason.encode("utf-8", "backslashreplace").decode("utf-8").split())
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 3] + "..."
    return text


class ContractError(ValueError):
    """Base class: a message or event does not match the shared contract."""

    def __init__(self, reason: str) -> None:
        """Keep a short, human-readable reason."""
        self.reason = _clean(reason)
        super().__init__(self.reason)

    def __str__(self) -> str:
        """Show the reason."""
        return self.reason


class MalformedMessage(ContractError):
    """The body is not a JSON object, or envelope fields are missing or wrong."""


class UnknownEventType(ContractError):
    """The event type is not registered in shared_contracts."""


class UnsupportedSchemaVersion(ContractError):
    """The event type is known but not in this schema version."""


class InvalidEventData(ContractError):
    """The event's data does not validate against its registered model."""


def _location(loc: tuple[int | str, ...], prefix: str) -> str:
    """Render a pydantic error location as a dotted path with [i] for list indexes."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(root)"


def describe_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """Summarise pydantic errors compactly: 'data.price_cents: Input should be ...; ...'."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    parts = [f"{_location(tuple(e['loc']), prefix)}: {e['msg']}" for e in errors[:MAX_LISTED_ERRORS]]
    if len(errors) > MAX_LISTED_ERRORS:
        parts.append(f"(+{len(errors) - MAX_LISTED_ERRORS} more errors)")
    return "; ".join(parts)
