"""All three systems as real processes (gunicorn web + worker each) on free local ports, with logs in files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from federation.heartbeat import heartbeat_file, worker_is_alive
from federation.settings import Settings
from tests.conftest import TEST_RETRY_DELAYS_MS

SYSTEM_NAMES = ("user", "catalog", "order")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Federation:
    """Starts, stops and restarts the processes of the three systems for one test."""

    data_dir: Path
    namespace: str
    amqp_url: str
    database_urls: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Pick a free port per system and create the log directory."""
        self.ports = {name: free_port() for name in SYSTEM_NAMES}
        self.log_dir = self.data_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    @property
    def env(self) -> dict[str, str]:
        """The environment every process of this federation runs with."""
        env = {
            **os.environ,
            "SCS_DATA_DIR": str(self.data_dir),
            "SCS_NAMESPACE": self.namespace,
            "SCS_AMQP_URL": self.amqp_url,
            "SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)),  # the delay queues delete_namespace knows
            "PYTHONUNBUFFERED": "1",
            # Load tests stand in for many clients behind one proxy (journeys.from_another_client): registration
            # and log-in throttling count the address the proxy names.
            "SCS_TRUSTED_PROXIES": "1",
            **self.extra_env,
        }
        for name in SYSTEM_NAMES:
            env[f"SCS_{name.upper()}_URL"] = self.url(name)
            env[f"SCS_{name.upper()}_PORT"] = str(self.ports[name])
            if name in self.database_urls:
                env[f"SCS_{name.upper()}_DATABASE_URL"] = self.database_urls[name]
        return env

    def url(self, system: str) -> str:
        """Base URL of a system's web server."""
        return f"http://127.0.0.1:{self.ports[system]}"

    def scs(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run one `scs` command to completion in this federation's environment."""
        return subprocess.run(
            [sys.executable, "-m", "federation.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def start(self, process: str, name: str | None = None) -> None:
        """Start `<system>-web` or `<system>-worker` (under another `name` for a second instance); waits until it serves."""
        system, kind = process.rsplit("-", 1)
        name = name or process
        argv = [kind, system]
        if kind == "web":
            argv += ["--workers", "2", "--bind", f"127.0.0.1:{self.ports[system]}"]
        self.spawn(name, argv)
        if kind == "web":
            self._await_healthy(self.url(system), name)
        else:
            self._await_worker(system, name)

    def start_one_process(self, web: bool = True) -> None:
        """The one-process shape: process "worker" consumes and relays for all three, "web" serves all three UIs."""
        self.spawn("worker", ["one-process", "worker"])
        for system in SYSTEM_NAMES:
            self._await_worker(system, "worker")
        if not web:
            return
        self.spawn("web", ["one-process", "web", "--workers", "2"])
        for system in SYSTEM_NAMES:
            self._await_healthy(self.url(system), "web")

    def start_function(self, system: str, function: str, port: int | None = None) -> str:
        """`scs function SYSTEM FUNCTION` as process `<system>-fn-<function>`: a restful one on `port`; its name."""
        name = f"{system}-fn-{function}"
        self.spawn(name, ["function", system, function, *(["--bind", f"127.0.0.1:{port}"] if port else [])])
        if port:
            self._await_healthy(f"http://127.0.0.1:{port}", name)
        else:
            self._await_worker(system, name, heartbeat=f"fn.{function}")
        return name

    def spawn(self, name: str, scs_args: list[str]) -> None:
        """Start `scs <scs_args>` as process `name`, its output in logs/<name>.log."""
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy of the descriptor
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "federation.cli", *scs_args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, process: str, sig: int = signal.SIGTERM) -> None:
        """Stop one process (SIGTERM by default, SIGKILL for a crash) and wait for it."""
        child = self.processes.pop(process, None)
        if child is None or child.poll() is not None:
            return
        os.killpg(child.pid, sig)
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    def start_all(self, migrate: bool = True) -> None:
        """Migrate every database (unless told not to), then start every web server and worker."""
        if migrate:
            self.scs("db", "upgrade")
        for name in SYSTEM_NAMES:
            self.start(f"{name}-worker")
        for name in SYSTEM_NAMES:
            self.start(f"{name}-web")

    def stop_all(self) -> None:
        """Stop every process that is still running."""
        for process in list(self.processes):
            self.stop(process)

    def log(self, process: str) -> str:
        """Everything a process has written so far."""
        path = self.log_dir / f"{process}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _await_worker(self, system: str, process: str, timeout: float = 30, heartbeat: str = "worker") -> None:
        """Wait until the worker's heartbeat (`<system>-<heartbeat>.alive`) says its relay runs and its consumer is connected."""
        settings = Settings.from_env(system, self.env)
        started, deadline = time.time(), time.monotonic() + timeout
        beat = heartbeat_file(settings, heartbeat)
        while not (worker_is_alive(settings, heartbeat) and beat.stat().st_mtime >= started - 1):
            if self.processes[process].poll() is not None:
                raise RuntimeError(f"{process} exited:\n{self.log(process)[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{process} did not come up:\n{self.log(process)[-3000:]}")
            time.sleep(0.1)

    def _await_healthy(self, url: str, process: str, timeout: float = 30) -> None:
        """Wait until the web server at `url` answers, failing early if it died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[process].poll() is not None:
                raise RuntimeError(f"{process} exited:\n{self.log(process)[-3000:]}")
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{process} did not become healthy:\n{self.log(process)[-3000:]}")
