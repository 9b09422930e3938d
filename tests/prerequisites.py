"""The one place that decides whether a test must run here: a missing prerequisite skips it locally, fails it in CI.

CI is on when the `CI` variable is `1`, `true` or `yes` (any case); `CI=false`, `CI=0` or an empty value is a
developer's machine. `.ci/run` sets `CI=true`, so CI never passes by skipping what it was meant to run.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

CI_VALUES = ("1", "true", "yes")


def in_ci() -> bool:
    """True when this run is CI, where every suite must run."""
    return os.environ.get("CI", "").strip().lower() in CI_VALUES


def ci_requires(available: bool, reason: str) -> bool:
    """`available`, except that under CI a missing prerequisite fails the test with `reason`."""
    if not available and in_ci():
        pytest.fail(f"CI must run this, but {reason}", pytrace=False)
    return available


def require(available: bool, reason: str) -> None:
    """Carry on if `available`; otherwise skip with `reason`, or fail with it under CI."""
    if not ci_requires(available, reason):
        pytest.skip(reason)


def docker_engine() -> bool:
    """True when a Docker engine answers the docker CLI."""
    return bool(shutil.which("docker")) and subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def require_docker(compose: bool = False) -> None:
    """A Docker engine (and the docker-compose CLI when `compose`), which ../shared/compose-standins/build provides."""
    require(docker_engine(), "no Docker engine here (start one with ../shared/compose-standins/build)")
    if compose:
        require(bool(shutil.which("docker-compose")), "no docker-compose CLI here (apt-get install docker-compose)")
