"""CPU seconds from /proc (Linux): unlike a rate, the CPU a change costs hardly moves when other work shares the machine.

The benchmarks read it per process (a worker), per session (a process and whatever it started) and per command
name (RabbitMQ's `beam.smp`, PostgreSQL's `postgres` backends), and turn the CPU of every part of a path into
the ceiling two busy cores put on it: cores / CPU seconds per change. The broker's and PostgreSQL's figures count
whatever else uses them on this machine too: read them from a quiet machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

Reading = Callable[[], float]
"""CPU seconds some part of the path has used so far."""


def _stats() -> list[list[str]]:
    """The fields after the command name of every live process's /proc/<pid>/stat, plus the name itself first."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):  # the process ended meanwhile
            continue
        found.append([head.split("(", 1)[1], *tail.split()])
    return found


def _seconds(fields: list[str]) -> float:
    """User + system CPU seconds in one stat line (utime and stime are its 14th and 15th fields)."""
    return (int(fields[12]) + int(fields[13])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far, every thread of it."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def session_cpu_seconds(sessions: Collection[int]) -> float:
    """CPU seconds of every live process in the given sessions (each started with a session of its own)."""
    return sum(_seconds(fields) for fields in _stats() if int(fields[4]) in sessions)


def named_cpu_seconds(name: str) -> float:
    """CPU seconds of every live process whose command is `name` (a backend that ended meanwhile is not counted)."""
    return sum(_seconds(fields) for fields in _stats() if fields[0] == name)


def this_process() -> float:
    """CPU seconds of the benchmark's own process: the writer, and its occasional check of the copy."""
    times = os.times()
    return times.user + times.system


def broker() -> float:
    """CPU seconds of the RabbitMQ node(s) on this machine (the Erlang VM)."""
    return named_cpu_seconds("beam.smp")


def postgres() -> float:
    """CPU seconds of the PostgreSQL server's processes (the backends of both systems' databases among them)."""
    return named_cpu_seconds("postgres")


def snapshot(parts: Mapping[str, Reading]) -> dict[str, float]:
    """Each part's CPU seconds so far."""
    return {name: read() for name, read in parts.items()}


def per_change_ms(before: Mapping[str, float], parts: Mapping[str, Reading], changes: int) -> dict[str, float]:
    """Milliseconds of CPU each part spent per change since `before`, and their total."""
    spent = {name: (read() - before[name]) * 1000 / changes for name, read in parts.items()}
    return {**spent, "total": sum(spent.values())}
