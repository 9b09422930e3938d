"""Benchmark 2: commit → visible latency of the pipeline vs a naive dual write and the raw broker, at two paced rates.

    python -m tests.benchmarks.bench_latency [--seconds 8] [--rounds 3] [--max-events 2000] [--databases sqlite,postgres]

Per database, in one run, per round: the maximum rate the pipeline sustains (one writer committing changes as fast
as it can while the relay and the consumer run), then changes paced at 100/s and at half that maximum (each its own
transaction) through the pipeline (a watcher process polls the replica every 5 ms), through the dual write and the
outbox floor of tests/benchmarks/dual_write.py (the same watcher on their copies), and the raw aio-pika publish-to-ack
latency at the same rate, message count and size. Medians of the rounds' percentiles; the target is a pipeline p99 ≤
the dual write's. The floor (an outbox row, a relay process woken by the commit, an inbox row, nothing else) shows
whether any design that keeps ARCHITECTURE §4 could meet it: the pipeline's p99 is also given against the floor's.
"""

from __future__ import annotations

import argparse
import statistics

from tests.benchmarks.dual_write import running_dual_write
from tests.benchmarks.pipeline import POLL_SECONDS, running_pipeline
from tests.benchmarks.raw_broker import run_raw
from tests.benchmarks.report import load_average, percentile, print_table, save
from tests.benchmarks.stack import AMQP_URL, DATABASES, event_body_size

FIXED_RATE = 100.0
FRACTIONS = {"p50": 0.5, "p99": 0.99}
PATHS = ("pipeline", "relay_stage", "consumer_stage", "outbox_floor", "dual_write", "raw")


def _percentiles(values: list[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds."""
    return {name: percentile(values, fraction) * 1000 for name, fraction in FRACTIONS.items()}


def measure(database: str, seconds: float, max_events: int, rounds: int) -> dict:
    """Per round: the pipeline's maximum, then every path's latencies at 100/s and at half that maximum."""
    maxima: list[float] = []
    samples: dict[str, dict[str, list[dict[str, float]]]] = {"100/s": {}, "half max": {}}
    offered: dict[str, list[float]] = {"100/s": [], "half max": []}
    with running_pipeline(database) as rig:
        body_size = event_body_size(rig.catalog)
        with (
            running_dual_write(database, body_size) as dual,
            running_dual_write(database, body_size, via_outbox=True) as floor,
        ):
            for _ in range(rounds):
                maxima.append(rig.sustained_rate(max_events))
                for label, rate in (("100/s", FIXED_RATE), ("half max", maxima[-1] / 2)):
                    count = int(rate * seconds)
                    offered[label].append(rate)
                    latencies, stages = rig.latencies(rate, count)
                    raw = run_raw(AMQP_URL, rig.federation.namespace, count, body_size, rate=rate)
                    measured = {
                        "pipeline": latencies,
                        "relay_stage": [relay for relay, _ in stages],
                        "consumer_stage": [consumer for _, consumer in stages],
                        "outbox_floor": floor.latencies(rate, count),
                        "dual_write": dual.latencies(rate, count),
                        "raw": raw.latencies,
                    }
                    for path, values in measured.items():
                        samples[label].setdefault(path, []).append(_percentiles(values))
    medians = {
        label: {
            path: {name: statistics.median(s[name] for s in per_round) for name in FRACTIONS}
            for path, per_round in paths.items()
        }
        for label, paths in samples.items()
    }
    return {
        "database": database,
        "max_per_s": maxima,
        "offered_per_s": {label: statistics.median(rates) for label, rates in offered.items()},
        "rounds": samples,
        "median_ms": medians,
        "p99_vs_dual_write": {
            label: paths["pipeline"]["p99"] / paths["dual_write"]["p99"] for label, paths in medians.items()
        },
        "floor_p99_vs_dual_write": {
            label: paths["outbox_floor"]["p99"] / paths["dual_write"]["p99"] for label, paths in medians.items()
        },
        "p99_vs_floor": {
            label: paths["pipeline"]["p99"] / paths["outbox_floor"]["p99"] for label, paths in medians.items()
        },
    }


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="length of each paced run")
    parser.add_argument("--max-events", type=int, default=2000, help="changes of the maximum-rate run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    before = load_average()
    print(f"load average before the run: {before}")
    runs = [measure(database, args.seconds, args.max_events, args.rounds) for database in args.databases.split(",")]
    rows = []
    for r in runs:
        print(f"{r['database']}: pipeline sustained maximum per round {[round(m) for m in r['max_per_s']]} changes/s")
        for label, paths in r["median_ms"].items():
            ratio, floor = r["p99_vs_dual_write"][label], r["floor_p99_vs_dual_write"][label]
            verdicts = {
                "pipeline": f"{ratio:.2f}× ({'met' if ratio <= 1 else 'NOT met'}; {r['p99_vs_floor'][label]:.2f}× floor)",
                "outbox_floor": f"{floor:.2f}× (the floor {'meets' if floor <= 1 else 'misses'} the target)",
            }
            for path in PATHS:
                verdict = verdicts.get(path, "")
                rows.append(
                    (
                        r["database"],
                        label,
                        path,
                        r["offered_per_s"][label],
                        paths[path]["p50"],
                        paths[path]["p99"],
                        verdict,
                    )
                )
    print(
        "(relay_stage: outbox row written → marked published after its batch's confirms; consumer_stage: marked → applied)"
    )
    print_table(
        f"Commit → visible, ms, medians of {args.rounds} rounds of {args.seconds:.0f} s "
        f"(target: pipeline p99 ≤ dual write p99; replicas polled every {POLL_SECONDS * 1000:.0f} ms)",
        ("database", "pace", "path", "offered/s", "p50", "p99", "p99 vs dual write"),
        rows,
    )
    print(f"load average before {before}, after {load_average()}")

    def draw(axes) -> None:
        positions = range(len(runs) * 2)
        labels = [f"{r['database']} {label}" for r in runs for label in ("100/s", "half max")]
        paths = ("raw", "dual_write", "outbox_floor", "pipeline")
        for offset, path in zip((-0.3, -0.1, 0.1, 0.3), paths, strict=True):
            values = [r["median_ms"][label][path]["p99"] for r in runs for label in ("100/s", "half max")]
            axes.bar([p + offset for p in positions], values, 0.2, label=path.replace("_", " "))
        axes.set_xticks(list(positions), labels, fontsize="small")
        axes.set_ylabel("p99 commit → visible, ms")
        axes.set_title("Paced latency: pipeline vs outbox floor vs dual write vs raw broker")
        axes.legend(loc="upper left", fontsize="small")

    save(
        "latency",
        {"poll_ms": POLL_SECONDS * 1000, "load_average_before": before, "runs": runs},
        draw,
    )


if __name__ == "__main__":
    main()
