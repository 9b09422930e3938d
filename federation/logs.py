"""Logging for every process: JSON lines when not on a terminal, readable lines on one (SCS_LOG_FORMAT=json|text overrides).

Each record carries the process name and the correlation id, so one grep follows a request across systems, and
(JSON lines) the trace and span ids of the span in progress, so a log line leads to its trace.
A record is one line in either format: the text format escapes control characters (a request path with `%0a`
cannot forge a line) and indents the lines of a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from types import TracebackType

from federation.correlation import current_correlation_id
from federation.settings import InvalidSetting
from federation.tracing import log_ids

LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)
READABLE = "%(asctime)s %(levelname)-7s %(process_name)s [%(correlation_id)s] %(name)s: %(message)s"
# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional overrides and isolates
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    r"""`text` with every control character written as an escape (`\n`, `\x1b`, `\u202e`)."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    """The escape of one unsafe character."""
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


class _ContextFilter(logging.Filter):
    """Stamp each record with the process name, the current correlation id and the current trace and span ids."""

    def __init__(self, process_name: str) -> None:
        super().__init__()
        self.process_name = process_name

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__["process_name"] = self.process_name
        record.__dict__["correlation_id"] = current_correlation_id() or "-"
        record.__dict__["trace_ids"] = log_ids()
        return True


def log_level(name: str) -> int:
    """The logging level `name` names (debug, info, warning, error), or InvalidSetting saying which are known."""
    level = logging.getLevelNamesMapping().get(name.strip().upper())
    if level not in LEVELS:
        raise InvalidSetting(f"SCS_LOG_LEVEL={name!r}: expected one of debug, info, warning, error")
    return level


class ReadableLines(logging.Formatter):
    """The text format: one line per record, whatever its message holds; tracebacks follow indented."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The record's line, its control characters escaped."""
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei: ExcInfo) -> str:
        """The traceback, each of its lines indented, so none can pass for a record of its own."""
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        """The stack, indented like a traceback."""
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    """Every line of `text` indented, its other control characters escaped."""
    return "\n".join("    " + escape_controls(line) for line in text.splitlines())


class JsonLines(logging.Formatter):
    """One JSON object per line, for log shippers and grep."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON object."""
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "process": record.__dict__["process_name"],
            "correlation_id": record.__dict__["correlation_id"],
            "logger": record.name,
            "message": record.getMessage(),
        }
        ids = record.__dict__.get("trace_ids")
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(process_name: str) -> None:
    """Install the one handler of this process on the root logger, at the level SCS_LOG_LEVEL names (default info).

    At `warning` the per-event lines (a relay's publish, a consumer's apply) are not even formatted: about a
    twentieth of a busy consumer's CPU, and the correlation id's trail through the logs with them.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(process_name))
    readable = os.environ.get("SCS_LOG_FORMAT", "text" if sys.stderr.isatty() else "json") == "text"
    handler.setFormatter(ReadableLines(READABLE) if readable else JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level(os.environ.get("SCS_LOG_LEVEL", "info")))
    for noisy in ("pika", "aiormq", "aio_pika", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
