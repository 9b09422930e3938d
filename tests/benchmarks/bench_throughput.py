"""Benchmark 1: sustained changes/s (first commit → last visible) of the pipeline vs a naive dual write and the raw broker.

python -m tests.benchmarks.bench_throughput [--events 3000] [--rounds 3] [--databases sqlite,postgres]

Per database, in one run and alternating round by round: the pipeline (one writer committing `events` price changes
through the outbox as fast as it goes while the catalog relay and the order consumer run), the same changes through
a dual write (tests/benchmarks/dual_write.py) on the same kind of database, and raw aio-pika with pipelined confirms
and no database (the broker's own limit). The relay-and-consumer rate on a backlog (changes written while the relay
is stopped) is printed beside them for reference. Medians of the rounds.

Beside each rate, the CPU every part of the path spent per change (tests/benchmarks/cpu.py: the writer in this
process, each worker, the dual write's consumer, RabbitMQ, PostgreSQL), and the ceiling it sets: the machine's
cores / CPU per change. The pipeline runs near that ceiling (it is CPU-bound); the dual write below its own
(it waits for a confirm per change). The CPU 2× the dual write would allow per change is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics

from tests.benchmarks import cpu
from tests.benchmarks.dual_write import DualWrite, running_dual_write
from tests.benchmarks.pipeline import Rig, running_pipeline
from tests.benchmarks.raw_broker import run_raw
from tests.benchmarks.report import load_average, print_table, save
from tests.benchmarks.stack import AMQP_URL, DATABASES, event_body_size

TARGET_VS_DUAL_WRITE = 2.0
TARGET_VS_RAW = {"sqlite": 0.5, "postgres": 0.3}
PATHS = ("pipeline", "dual_write", "raw", "backlog")


def measure(database: str, events: int, rounds: int) -> dict:
    """Each path's rate per round, and their medians; the CPU per change of each part of the pipeline and the dual write."""
    samples: dict[str, list[float]] = {path: [] for path in PATHS}
    spent: dict[str, list[dict[str, float]]] = {"pipeline": [], "dual_write": []}
    with running_pipeline(database) as rig:
        body_size = event_body_size(rig.catalog)
        with running_dual_write(database, body_size) as dual:
            parts = {"pipeline": pipeline_parts(rig, database), "dual_write": dual_write_parts(dual, database)}
            for _ in range(rounds):
                before = cpu.snapshot(parts["pipeline"])
                samples["pipeline"].append(rig.sustained_rate(events))
                spent["pipeline"].append(cpu.per_change_ms(before, parts["pipeline"], events))
                before = cpu.snapshot(parts["dual_write"])
                samples["dual_write"].append(dual.sustained_rate(events))
                spent["dual_write"].append(cpu.per_change_ms(before, parts["dual_write"], events))
                samples["raw"].append(run_raw(AMQP_URL, rig.federation.namespace, events, body_size).rate)
                samples["backlog"].append(rig.throughput(events))
    medians = {path: statistics.median(values) for path, values in samples.items()}
    cpu_ms = {
        path: {part: statistics.median(r[part] for r in runs) for part in runs[0]} for path, runs in spent.items()
    }
    return {
        "database": database,
        "events": events,
        "rounds": samples,
        "median_per_s": medians,
        "vs_dual_write": medians["pipeline"] / medians["dual_write"],
        "vs_raw": medians["pipeline"] / medians["raw"],
        "cpu_ms_per_change": cpu_ms,
        "cpu_ms_per_change_rounds": spent,
    }


def pipeline_parts(rig: Rig, database: str) -> dict[str, cpu.Reading]:
    """What runs while the pipeline carries the changes: the writer (this process), both workers, broker, database."""

    def worker(system: str) -> cpu.Reading:
        """The worker's CPU, whichever process runs it now (the backlog measurement restarts the catalog's)."""
        return lambda: cpu.session_cpu_seconds([rig.federation.processes[f"{system}-worker"].pid])

    return {
        "writer": cpu.this_process,
        "relay (catalog worker)": worker("catalog"),
        "consumer (order worker)": worker("order"),
        "broker": cpu.broker,
        **({"PostgreSQL": cpu.postgres} if database == "postgres" else {}),
    }


def dual_write_parts(dual: DualWrite, database: str) -> dict[str, cpu.Reading]:
    """The same for the dual write: its writer (this process), its consumer, broker, database."""
    return {
        "writer": cpu.this_process,
        "consumer": lambda: cpu.cpu_seconds(dual.consumer_pid),
        "broker": cpu.broker,
        **({"PostgreSQL": cpu.postgres} if database == "postgres" else {}),
    }


def print_cpu(runs: list[dict]) -> None:
    """CPU per change by part, the ceiling it sets on this machine, and the CPU 2× the dual write would allow."""
    cores = os.cpu_count() or 1
    rows = []
    for r in runs:
        allowed = cores * 1000 / (TARGET_VS_DUAL_WRITE * r["median_per_s"]["dual_write"])
        for path, spent in r["cpu_ms_per_change"].items():
            parts = ", ".join(f"{part} {ms:.2f}" for part, ms in spent.items() if part != "total")
            ceiling = cores * 1000 / spent["total"]
            rows.append((r["database"], path, parts, spent["total"], ceiling, r["median_per_s"][path], allowed))
    print_table(
        f"CPU ms per change by part (medians), the ceiling {cores} cores put on each path, and the CPU per change "
        f"{TARGET_VS_DUAL_WRITE}× the dual write allows",
        ("database", "path", "ms per change by part", "total ms", "ceiling /s", "measured /s", "allowed for 2× dual"),
        rows,
    )


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    before = load_average()
    print(f"load average before the run: {before}")
    runs = [measure(database, args.events, args.rounds) for database in args.databases.split(",")]
    rows = []
    for r in runs:
        met_dual = r["vs_dual_write"] >= TARGET_VS_DUAL_WRITE
        met_raw = r["vs_raw"] >= TARGET_VS_RAW[r["database"]]
        m = r["median_per_s"]
        rows.append(
            (
                r["database"],
                m["pipeline"],
                m["dual_write"],
                m["raw"],
                f"{r['vs_dual_write']:.2f}× ({'met' if met_dual else 'NOT met'})",
                f"{r['vs_raw']:.2f}× ({'met' if met_raw else 'NOT met'})",
                m["backlog"],
            )
        )
    print_table(
        f"Sustained changes/s, {args.events} changes, medians of {args.rounds} rounds "
        f"(targets: ≥ {TARGET_VS_DUAL_WRITE}× dual write; ≥ {TARGET_VS_RAW['sqlite']}× raw on SQLite, "
        f"≥ {TARGET_VS_RAW['postgres']}× on PostgreSQL)",
        ("database", "pipeline", "dual write", "raw broker", "vs dual write", "vs raw", "pipeline on a backlog"),
        rows,
    )
    print_cpu(runs)
    for r in runs:
        print(f"{r['database']} rounds: " + "; ".join(f"{p} {[round(v) for v in r['rounds'][p]]}" for p in PATHS))
    print(f"load average before {before}, after {load_average()}")

    def draw(axes) -> None:
        positions = range(len(runs))
        for offset, (path, label) in zip(
            (-0.27, 0, 0.27),
            (
                ("raw", "raw aio-pika (pipelined confirms, no database)"),
                ("dual_write", "dual write (commit, then publish)"),
                ("pipeline", "outbox → relay → consumer → replica"),
            ),
            strict=True,
        ):
            axes.bar([p + offset for p in positions], [r["median_per_s"][path] for r in runs], 0.27, label=label)
        for p, r in zip(positions, runs, strict=True):
            axes.annotate(
                f"{r['vs_dual_write']:.2f}× dual", (p + 0.27, r["median_per_s"]["pipeline"]), ha="center", va="bottom"
            )
        axes.set_xticks(list(positions), [r["database"] for r in runs])
        axes.set_ylabel("changes per second")
        axes.set_title(f"Sustained throughput, first commit → last visible ({args.events} changes)")
        axes.legend(loc="upper right", fontsize="small")

    save(
        "throughput",
        {
            "targets": {"vs_dual_write": TARGET_VS_DUAL_WRITE, "vs_raw": TARGET_VS_RAW},
            "load_average_before": before,
            "runs": runs,
        },
        draw,
    )


if __name__ == "__main__":
    main()
