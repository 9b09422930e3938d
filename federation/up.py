"""`scs up`: every system's web server and worker as child processes, one prefixed stream of output, clean Ctrl-C."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from federation.broker_urls import unreachable_reason
from federation.settings import Settings

COLOURS = ("\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m", "\033[31m")
RESET = "\033[0m"


@dataclass
class Child:
    """One process of the federation and the prefix its lines carry."""

    name: str
    argv: list[str]
    oneshot: bool = False
    process: subprocess.Popen[bytes] | None = None


def broker_reachable(amqp_url: str, timeout: float = 2.0) -> bool:
    """True when a node of the broker URL list accepts TCP connections."""
    return unreachable_reason(amqp_url, timeout) is None


def children_for(systems: list[str], web_workers: int) -> list[Child]:
    """A web and a worker process per system."""
    scs = [sys.executable, "-m", "federation.cli"]
    children = []
    for system in systems:
        children.append(Child(f"{system}-web", [*scs, "web", system, "--workers", str(web_workers)]))
        children.append(Child(f"{system}-worker", [*scs, "worker", system]))
    return children


def one_process_children(web_workers: int) -> list[Child]:
    """One web server for every system and one worker for every system (docs/deployment-shapes.md)."""
    scs = [sys.executable, "-m", "federation.cli", "one-process"]
    return [Child("web", [*scs, "web", "--workers", str(web_workers)]), Child("worker", [*scs, "worker"])]


def run(children: list[Child], stop_timeout: float = 5.0) -> int:
    """Start the children, copy their output with a prefix, stop them all when one dies or on Ctrl-C."""
    width = max(len(child.name) for child in children)
    use_colour = sys.stdout.isatty()
    selector = selectors.DefaultSelector()
    env = {"SCS_LOG_FORMAT": "text", **os.environ, "PYTHONUNBUFFERED": "1"}
    for index, child in enumerate(children):
        child.process = subprocess.Popen(
            child.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        stdout = child.process.stdout
        assert stdout is not None  # stdout=PIPE above
        prefix = f"{child.name:<{width}} | "
        if use_colour:
            prefix = f"{COLOURS[index % len(COLOURS)]}{prefix}{RESET}"
        selector.register(stdout, selectors.EVENT_READ, (prefix, stdout))

    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    try:
        while not stopping:
            for key, _ in selector.select(timeout=0.2):
                prefix, stream = key.data
                line = stream.readline()
                if line:
                    sys.stdout.write(prefix + line.decode(errors="replace"))
                    sys.stdout.flush()
                else:
                    selector.unregister(stream)
            dead = [c for c in children if _exited(c)]
            if dead:
                for child in dead:
                    print(f"scs up: {child.name} exited with code {_returncode(child)}; stopping everything")
                exit_code = 1
                break
    finally:
        _terminate(children, stop_timeout)
    return exit_code


def _exited(child: Child) -> bool:
    """True when the child ended, unless it is a one-shot child that ended well."""
    code = _returncode(child)
    return code is not None and not (child.oneshot and code == 0)


def _returncode(child: Child) -> int | None:
    """The child's exit code, or None while it runs (or before it started)."""
    return child.process.poll() if child.process is not None else None


def _terminate(children: list[Child], timeout: float) -> None:
    """SIGTERM every child's process group, then SIGKILL what is still alive after `timeout` seconds."""
    for child in children:
        if child.process and child.process.poll() is None:
            os.killpg(child.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        if child.process is None:
            continue
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()


def start_message(systems: list[str]) -> str:
    """The lines that tell the user where the UIs are."""
    lines = ["scs up: starting " + ", ".join(systems)]
    for system in systems:
        lines.append(f"  {system:<8} {Settings.from_env(system).system_urls[system]}/")
    lines.append("For development only: SECURITY.md says what native mode does not protect.")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)
