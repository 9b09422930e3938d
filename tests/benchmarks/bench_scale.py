"""Benchmark 6a: replication events/s with 1, 2 and 3 catalog workers on one catalog database (3 must not be slower than 1).

python -m tests.benchmarks.bench_scale [--events 2000] [--workers 1,2,3] [--rounds 2] [--databases sqlite,postgres]

One relay publishes whatever the number of workers (the lease holder); the others stand by, reading one lease
row every fifth of the lease. Each measurement: the catalog workers are stopped, the benchmark takes the relay
lease itself, writes the changes, starts N catalog workers (all stand by), lets them settle, then releases the
lease: one of them takes it and relays the backlog. Timed, as in bench_throughput, from the relay's first publish
to the order consumer's last apply; the CPU the standing-by workers use meanwhile is read from /proc. Rounds
interleave the worker counts (1, 2, 3, 1, 2, 3, ...), and the best rate per count is compared with the 1-worker
rate of the same run.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

from federation.relay_lease import RelayLease
from tests.benchmarks.cpu import cpu_seconds
from tests.benchmarks.pipeline import Rig, _final_versions, running_pipeline
from tests.benchmarks.report import print_table, save
from tests.benchmarks.stack import (
    DATABASES,
    first_published_at,
    last_outbox_seq,
    last_processed_at,
    update_products,
    wait_until,
)
from tests.e2e.federation_processes import Federation

HELD_SECONDS = 3600  # the benchmark's own hold on the lease, while it writes and the workers start: no renewals
SETTLE_SECONDS = 5  # a worker's first seconds after it is up still cost CPU (0.5 s of a core); idle, it costs ~0.1 %
NOT_SLOWER = 0.95  # a ratio above this is "not slower": rounds of the same count differ by about as much


def _worker_names(count: int) -> list[str]:
    """The process names of `count` catalog workers."""
    return ["catalog-worker"] + [f"catalog-worker-{index}" for index in range(2, count + 1)]


def throughput_with(rig: Rig, workers: int, events: int, timeout: float = 600) -> tuple[float, float]:
    """Events/s end to end with `workers` catalog workers, and the CPU the standing-by ones used meanwhile.

    The CPU is a share of one core: a figure the machine's other load does not blur as it blurs the rate.
    """
    federation = rig.federation
    for name in [name for name in federation.processes if name.startswith("catalog-worker")]:
        federation.stop(name)
    lease = RelayLease(rig.catalog, "catalog", HELD_SECONDS)
    wait_until(lease.hold, 30, "the benchmark holding the relay lease")
    after = last_outbox_seq(rig.catalog)
    expected = _final_versions(update_products(rig.catalog, rig.ids, events))
    for name in _worker_names(workers):
        logged = len(federation.log(name))
        federation.start("catalog-worker", name=name)
        wait_until(partial(_stands_by_since, federation, name, logged), 30, f"{name} standing by")
    time.sleep(SETTLE_SECONDS)
    pids = [federation.processes[name].pid for name in _worker_names(workers)]
    cpu_before, released = {pid: cpu_seconds(pid) for pid in pids}, time.monotonic()
    lease.release()
    wait_until(lambda: rig._holds(expected), timeout, f"{events} events in the replica", interval=0.1)
    elapsed, used = time.monotonic() - released, {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
    standing_by = sorted(used.values())[:-1]  # the busiest one held the lease
    rate = events / (last_processed_at(rig.order) - first_published_at(rig.catalog, after))
    return rate, sum(standing_by) / elapsed


def _stands_by_since(federation: Federation, name: str, offset: int) -> bool:
    """Whether worker `name` has logged, after `offset`, that it stands by."""
    return "stands by" in federation.log(name)[offset:]


def measure(database: str, events: int, worker_counts: list[int], rounds: int) -> list[dict]:
    """The best rate per worker count over `rounds` interleaved rounds, with its ratio to the 1-worker rate."""
    rates: dict[int, list[float]] = {count: [] for count in worker_counts}
    standby_cpu: dict[int, list[float]] = {count: [] for count in worker_counts}
    with running_pipeline(database) as rig:
        for _ in range(rounds):
            for count in worker_counts:
                rate, cpu = throughput_with(rig, count, events)
                rates[count].append(rate)
                standby_cpu[count].append(cpu)
    baseline = max(rates[1]) if 1 in rates else None
    return [
        {
            "database": database,
            "workers": count,
            "events": events,
            "rates_per_s": [round(rate, 1) for rate in rates[count]],
            "best_per_s": max(rates[count]),
            "ratio_to_1_worker": max(rates[count]) / baseline if baseline else None,
            "standby_cpu_share_of_a_core": max(standby_cpu[count]),
        }
        for count in worker_counts
    ]


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    worker_counts = [int(count) for count in args.workers.split(",")]
    runs = [
        run
        for database in args.databases.split(",")
        for run in measure(database, args.events, worker_counts, args.rounds)
    ]
    print_table(
        f"Replication throughput by number of catalog workers, {args.events} events, best of {args.rounds}",
        (
            "database",
            "catalog workers",
            "ev/s (each round)",
            "best ev/s",
            "vs 1 worker",
            f"≥ {NOT_SLOWER}×",
            "standbys' CPU, % of a core",
        ),
        [
            (
                r["database"],
                r["workers"],
                " ".join(map(str, r["rates_per_s"])),
                r["best_per_s"],
                r["ratio_to_1_worker"],
                "yes" if r["ratio_to_1_worker"] is None or r["ratio_to_1_worker"] >= NOT_SLOWER else "NO",
                f"{100 * r['standby_cpu_share_of_a_core']:.2f}",
            )
            for r in runs
        ],
    )

    def draw(axes) -> None:
        databases = sorted({r["database"] for r in runs})
        width = 0.8 / len(worker_counts)
        for offset, count in enumerate(worker_counts):
            values = [
                next(r["best_per_s"] for r in runs if (r["database"], r["workers"]) == (d, count)) for d in databases
            ]
            positions = [index + (offset - (len(worker_counts) - 1) / 2) * width for index in range(len(databases))]
            axes.bar(positions, values, width, label=f"{count} catalog worker{'s' if count > 1 else ''}")
        axes.set_xticks(range(len(databases)), databases)
        axes.set_ylabel("events per second")
        axes.set_title(f"Replication throughput by catalog workers ({args.events} events, best of {args.rounds})")
        axes.legend(loc="lower right")

    save("scale", {"not_slower_threshold": NOT_SLOWER, "runs": runs}, draw)


if __name__ == "__main__":
    main()
