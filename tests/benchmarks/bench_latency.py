"""Benchmark 2: commit-to-visible latency in the replica at half the measured maximum rate, against the raw broker round trip.

    python -m tests.benchmarks.bench_latency [--seconds 15] [--databases sqlite,postgres]

Per database, in one run: the maximum rate the whole path sustains (one writer committing changes as fast as it
can while the relay and the consumer run, as they do in the paced run), then changes paced at half of it (each its
own transaction) while a watcher polls the replica every 5 ms, then the raw aio-pika publish-to-ack latency at the
same rate, message count and size. The relay-and-consumer maximum of bench_throughput (changes written before the
relay starts) is printed beside it for reference.
"""

from __future__ import annotations

import argparse

from tests.benchmarks.pipeline import POLL_SECONDS, running_pipeline
from tests.benchmarks.raw_broker import run_raw
from tests.benchmarks.report import percentile, print_table, save
from tests.benchmarks.stack import AMQP_URL, DATABASES, event_body_size

TARGET = 10.0
FRACTIONS = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


def measure(database: str, seconds: float, max_events: int) -> dict:
    """Maximum rate, then pipeline and raw latencies at half of it."""
    with running_pipeline(database) as rig:
        backlog_maximum = rig.throughput(max_events)
        maximum = rig.sustained_rate(max_events)
        rate = maximum / 2
        count = int(rate * seconds)
        latencies, stages = rig.latencies(rate, count)
        raw = run_raw(AMQP_URL, rig.federation.namespace, count, event_body_size(rig.catalog), rate=rate)
    pipeline_ms = {name: percentile(latencies, f) * 1000 for name, f in FRACTIONS.items()}
    raw_ms = {name: raw.latency_ms(f) for name, f in FRACTIONS.items()}
    return {
        "database": database,
        "max_per_s": maximum,
        "backlog_max_per_s": backlog_maximum,
        "offered_per_s": rate,
        "events": count,
        "pipeline_ms": pipeline_ms,
        "raw_ms": raw_ms,
        "p99_ratio": pipeline_ms["p99"] / raw_ms["p99"],
        "relay_stage_ms": {name: percentile([relay for relay, _ in stages], f) * 1000 for name, f in FRACTIONS.items()},
        "consumer_stage_ms": {
            name: percentile([consumer for _, consumer in stages], f) * 1000 for name, f in FRACTIONS.items()
        },
        "pipeline_latencies_ms": sorted(value * 1000 for value in latencies),
        "raw_latencies_ms": sorted(value * 1000 for value in raw.latencies),
    }


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of the paced run")
    parser.add_argument("--max-events", type=int, default=2000, help="events of the maximum-rate run")
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    runs = [measure(database, args.seconds, args.max_events) for database in args.databases.split(",")]
    for r in runs:
        print(
            f"{r['database']}: sustained maximum {r['max_per_s']:.0f} changes/s "
            f"(relay + consumer alone on a backlog: {r['backlog_max_per_s']:.0f}/s)"
        )
    rows = []
    for r in runs:
        for kind in ("pipeline", "relay_stage", "consumer_stage", "raw"):
            ms = r[f"{kind}_ms"]
            rows.append(
                (
                    r["database"],
                    kind,
                    r["offered_per_s"],
                    ms["p50"],
                    ms["p95"],
                    ms["p99"],
                    f"{r['p99_ratio']:.1f}×" if kind == "pipeline" else "",
                )
            )
    print(
        "(relay_stage: outbox row written → marked published after its batch's confirms; consumer_stage: marked → applied)"
    )
    print_table(
        "Commit-to-visible latency at half the maximum rate, ms "
        f"(target p99 ≤ {TARGET:.0f}× raw p99; replica polled every {POLL_SECONDS * 1000:.0f} ms)",
        ("database", "path", "offered ev/s", "p50", "p95", "p99", "p99 ratio"),
        rows,
    )

    def draw(axes) -> None:
        for r in runs:
            for kind, style in (("pipeline", "-"), ("raw", ":")):
                values = r[f"{kind}_latencies_ms"]
                axes.plot(
                    values, [i / len(values) for i in range(1, len(values) + 1)], style, label=f"{r['database']} {kind}"
                )
        axes.set_xscale("log")
        axes.set_xlabel("milliseconds (log)")
        axes.set_ylabel("fraction of events")
        axes.set_title("Commit → visible in the replica vs raw publish → ack")
        axes.legend(loc="lower right")

    save("latency", {"target_p99_ratio": TARGET, "poll_ms": POLL_SECONDS * 1000, "runs": runs}, draw)


if __name__ == "__main__":
    main()
