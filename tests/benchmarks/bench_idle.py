"""Benchmark 7: CPU of idle workers (target < 0.5 % of a core each), and that a change after idling is picked up at once.

    python -m tests.benchmarks.bench_idle [--seconds 60] [--databases sqlite,postgres]

Per database: the catalog and order workers running with 100 products copied and nothing to do; their CPU time
(user + system, from /proc, every thread) over `--seconds`; then 10 changes, one every half second, each after an
idle pause, commit → visible in the order copy (replica polled every 5 ms), against the same path at 100/s.
"""

from __future__ import annotations

import argparse
import time

from tests.benchmarks.cpu import cpu_seconds
from tests.benchmarks.pipeline import running_pipeline
from tests.benchmarks.report import load_average, percentile, print_table, save
from tests.benchmarks.stack import DATABASES

TARGET_PERCENT = 0.5
WORKERS = ("catalog-worker", "order-worker")


def measure(database: str, seconds: float) -> dict:
    """Idle CPU per worker, then the latency of sparse changes and of changes at 100/s."""
    with running_pipeline(database) as rig:
        time.sleep(3)  # past the start-up work
        pids = {name: rig.federation.processes[name].pid for name in WORKERS}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        idle = {name: (cpu_seconds(pid) - before[name]) / elapsed * 100 for name, pid in pids.items()}
        sparse, _ = rig.latencies(2, 10)
        busy, _ = rig.latencies(100, 500)
    return {
        "database": database,
        "seconds": elapsed,
        "idle_cpu_percent": idle,
        "sparse_ms": {"p50": percentile(sparse, 0.5) * 1000, "max": max(sparse) * 1000},
        "at_100_per_s_ms": {"p50": percentile(busy, 0.5) * 1000, "max": max(busy) * 1000},
    }


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    before = load_average()
    print(f"load average before the run: {before}")
    runs = [measure(database, args.seconds) for database in args.databases.split(",")]
    print_table(
        f"Idle workers over {args.seconds:.0f} s, % of one core (target < {TARGET_PERCENT} %), and commit → visible, ms",
        ("database", *WORKERS, "met", "after idling p50", "max", "at 100/s p50", "max"),
        [
            (
                r["database"],
                *(r["idle_cpu_percent"][name] for name in WORKERS),
                "yes" if max(r["idle_cpu_percent"].values()) < TARGET_PERCENT else "NO",
                r["sparse_ms"]["p50"],
                r["sparse_ms"]["max"],
                r["at_100_per_s_ms"]["p50"],
                r["at_100_per_s_ms"]["max"],
            )
            for r in runs
        ],
    )
    print(f"load average before {before}, after {load_average()}")

    def draw(axes) -> None:
        positions = range(len(runs))
        for offset, name in zip((-0.2, 0.2), WORKERS, strict=True):
            axes.bar([p + offset for p in positions], [r["idle_cpu_percent"][name] for r in runs], 0.4, label=name)
        axes.axhline(TARGET_PERCENT, linestyle=":", color="grey", label="target")
        axes.set_xticks(list(positions), [r["database"] for r in runs])
        axes.set_ylabel("% of one core while idle")
        axes.set_title(f"Idle workers ({args.seconds:.0f} s)")
        axes.legend()

    save("idle", {"target_percent": TARGET_PERCENT, "load_average_before": before, "runs": runs}, draw)


if __name__ == "__main__":
    main()
