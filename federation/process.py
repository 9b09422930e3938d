"""What every `scs` process does first: logging under its name, and the metrics directory its figures go to."""

from __future__ import annotations

import os
from pathlib import Path

ONE_PROCESS = "one-process"


def prepare_process(name: str, metrics_dir: Path) -> None:
    """Log as `name`; keep Prometheus figures in `metrics_dir` (before anything imports prometheus_client)."""
    from federation.logs import configure_logging
    from federation.telemetry import check_settings

    check_settings()
    configure_logging(name)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))


def one_process_metrics_dir(data_dir: Path) -> Path:
    """Where the one-process shape's web server and worker keep the figures of all systems (labelled by system)."""
    return data_dir / "metrics" / ONE_PROCESS
