"""Benchmark 1: replication events/s (catalog outbox → relay → order consumer → replica) vs raw aio-pika, SQLite and PostgreSQL.

python -m tests.benchmarks.bench_throughput [--events 3000] [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse

from tests.benchmarks.pipeline import running_pipeline
from tests.benchmarks.raw_broker import run_raw
from tests.benchmarks.report import print_table, save
from tests.benchmarks.stack import AMQP_URL, DATABASES, event_body_size

TARGET = 0.5


def measure(database: str, events: int) -> dict:
    """The pipeline's rate and the raw rate for the same number and size of messages, back to back."""
    with running_pipeline(database) as rig:
        pipeline_rate = rig.throughput(events)
        raw = run_raw(AMQP_URL, rig.federation.namespace, events, event_body_size(rig.catalog))
    return {
        "database": database,
        "events": events,
        "pipeline_per_s": pipeline_rate,
        "raw_per_s": raw.rate,
        "ratio": pipeline_rate / raw.rate,
    }


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    runs = [measure(database, args.events) for database in args.databases.split(",")]
    print_table(
        f"Replication throughput, {args.events} events (target ≥ {TARGET}× raw)",
        ("database", "pipeline ev/s", "raw ev/s", "ratio", "target met"),
        [
            (r["database"], r["pipeline_per_s"], r["raw_per_s"], r["ratio"], "yes" if r["ratio"] >= TARGET else "NO")
            for r in runs
        ],
    )

    def draw(axes) -> None:
        labels = [r["database"] for r in runs]
        positions = range(len(runs))
        axes.bar(
            [p - 0.2 for p in positions], [r["raw_per_s"] for r in runs], 0.4, label="raw aio-pika (confirms + ack)"
        )
        axes.bar(
            [p + 0.2 for p in positions],
            [r["pipeline_per_s"] for r in runs],
            0.4,
            label="outbox → relay → consumer → replica",
        )
        for p, r in zip(positions, runs, strict=True):
            axes.annotate(f"{r['ratio']:.2f}×", (p + 0.2, r["pipeline_per_s"]), ha="center", va="bottom")
        axes.set_xticks(list(positions), labels)
        axes.set_ylabel("events per second")
        axes.set_title(f"Replication throughput ({args.events} events; target ≥ {TARGET}× raw)")
        axes.legend(loc="lower right")

    save("throughput", {"target_ratio": TARGET, "runs": runs}, draw)


if __name__ == "__main__":
    main()
