"""Logging for every process: JSON lines when not on a terminal, readable lines on one (SCS_LOG_FORMAT=json|text overrides).

Each record carries the process name and the correlation id, so one grep follows a request across systems.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from federation.correlation import current_correlation_id

READABLE = "%(asctime)s %(levelname)-7s %(process_name)s [%(correlation_id)s] %(name)s: %(message)s"


class _ContextFilter(logging.Filter):
    """Stamp each record with the process name and the current correlation id."""

    def __init__(self, process_name: str) -> None:
        super().__init__()
        self.process_name = process_name

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__["process_name"] = self.process_name
        record.__dict__["correlation_id"] = current_correlation_id() or "-"
        return True


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
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(process_name: str, level: int = logging.INFO) -> None:
    """Install the one handler of this process on the root logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(process_name))
    readable = os.environ.get("SCS_LOG_FORMAT", "text" if sys.stderr.isatty() else "json") == "text"
    handler.setFormatter(logging.Formatter(READABLE) if readable else JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("pika", "aiormq", "aio_pika", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
