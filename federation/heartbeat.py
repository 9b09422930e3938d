"""The worker's heartbeat file, touched while its relay runs and its consumer is connected, and the check that reads it.

`python -m federation.heartbeat SYSTEM` exits 0 while SYSTEM's worker in this container (or on this data
directory) beats. It imports neither the broker clients nor SQLAlchemy, so a health check every few seconds
in every worker replica costs a few milliseconds, not the second of CPU a full `scs` start takes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from federation.settings import Settings

HEARTBEAT_SECONDS = 5.0
STALE_AFTER_SECONDS = 30.0


def heartbeat_file(settings: Settings, process: str = "worker") -> Path:
    """Touched while the worker's relay runs and its consumer is connected (the container health check reads it).

    `process` tells a function's own process (`scs function`) from the system's worker: `fn.<function>`.
    """
    return settings.data_dir / f"{settings.system}-{process}.alive"


def worker_is_alive(settings: Settings, process: str = "worker") -> bool:
    """Whether the worker (or function process, see heartbeat_file) touched its heartbeat file recently."""
    path = heartbeat_file(settings, process)
    return path.exists() and time.time() - path.stat().st_mtime < STALE_AFTER_SECONDS


if __name__ == "__main__":
    sys.exit(0 if worker_is_alive(Settings.from_env(sys.argv[1])) else 1)
