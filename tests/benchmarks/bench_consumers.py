"""Benchmark 5: 1, 2 and 3 competing order workers on one inbox queue, the linear part of docs/capacity.md.

python -m tests.benchmarks.bench_consumers [--events 3000] [--consumers 1,2,3] [--rounds 2] [--database postgres|sqlite]

Per count k: `--events` catalog.product.updated events are written (a transaction each) and relayed into
order.inbox while no order worker runs, so the queue holds them all; then k order workers start together.
Rate = events applied after the last of the k was ready / (last apply - that moment), from the inbox's
processed_at. Rounds interleave the counts (1, 2, 3, 1, 2, 3, ...) and the table shows medians, because other
work on the machine changes the share of the two cores the benchmark gets. CPU per event, which that share
does not change: the order workers' (/proc), the broker's (a RabbitMQ container of the benchmark's own, from its
cgroup) and PostgreSQL's (the backends serving the order database). Also the relay's publishing rate while it
fills the queue, and, in the same run, the raw baseline: aio-pika publish-with-confirms and a consume-and-ack
process, as many messages of the same size. The relay's CPU is its process's over the fill, less what a start
with an empty outbox costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from federation.runtime_models import InboxMessage, OutboxMessage
from federation.topology import Names
from tests.benchmarks.raw_broker import run_raw
from tests.benchmarks.report import print_table, save
from tests.benchmarks.stack import (
    POSTGRES_ADMIN_URL,
    create_products,
    event_body_size,
    last_processed_at,
    outbox_backlog_of,
    replica_count,
    replica_versions,
    running_federation,
    sessions,
    update_products,
    wait_until,
)
from tests.chaos.broker import ContainerBroker
from tests.e2e.federation_processes import Federation
from tests.federation.harness import queue_depth

PRODUCTS = 200
TICKS = os.sysconf("SC_CLK_TCK")
FIGURES = (
    "events_per_s",
    "relay_events_per_s",
    "worker_cpu_ms_per_event",
    "broker_cpu_ms_per_event",
    "relay_cpu_ms_per_event",
    "broker_cpu_ms_per_publish",
    "postgres_cpu_ms_per_event",
)


def process_cpu(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (0 for one that is gone)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def container_cpu(broker: ContainerBroker) -> float:
    """CPU seconds the broker's container has used so far (cgroup v1 cpuacct, as the Docker engine here sets up)."""
    return int(Path(f"/sys/fs/cgroup/cpuacct/docker/{broker.container}/cpuacct.usage").read_text()) / 1e9


def database_backends(federation: Federation, system: str) -> list[int]:
    """The PostgreSQL backends connected to a system's database (empty on SQLite)."""
    url = make_url(federation.env[f"SCS_{system.upper()}_DATABASE_URL"])
    if not url.drivername.startswith("postgresql"):
        return []
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (url.database,)).fetchall()
    return [row[0] for row in rows]


def start_cpu(federation: Federation) -> float:
    """CPU seconds a catalog worker uses to start with an empty outbox (taken off the relay's figure below)."""
    federation.stop("catalog-worker")
    federation.start("catalog-worker")
    time.sleep(1)
    used = process_cpu([federation.processes["catalog-worker"].pid])
    return used


def one_run(
    federation: Federation, broker: ContainerBroker, catalog, order, ids, events: int, k: int, started: float
) -> dict:
    """Fill order.inbox with `events` events through the relay, then drain it with k workers started together."""
    inbox = Names(federation.namespace).inbox_queue("order")
    federation.stop("catalog-worker")
    after = _last_seq(catalog)
    expected = {product_id: version for product_id, version, _ in update_products(catalog, ids, events)}
    broker_before = container_cpu(broker)
    federation.start("catalog-worker")
    relay = [federation.processes["catalog-worker"].pid]
    wait_until(lambda: outbox_backlog_of(catalog) == 0, 300, "the relay to publish everything")
    relay_rate = events / _publish_span(catalog, after)
    relay_cpu = process_cpu(relay) - started
    publish_cpu = container_cpu(broker) - broker_before
    wait_until(lambda: queue_depth(broker.url, inbox) >= events, 60, "the events in the inbox queue")

    names = [f"order-worker-{i}" for i in range(1, k + 1)]
    starters = [threading.Thread(target=federation.start, args=("order-worker", name)) for name in names]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    ready = time.time()
    workers = [federation.processes[name].pid for name in names]
    backends = database_backends(federation, "order")
    before = (process_cpu(workers), container_cpu(broker), process_cpu(backends))
    wait_until(lambda: _holds(order, expected), 600, f"{events} events applied by {k} workers", 0.1)
    after_cpu = (process_cpu(workers), container_cpu(broker), process_cpu(backends))
    applied = _applied_since(order, ready)
    seconds = last_processed_at(order) - ready
    for name in names:
        federation.stop(name)
    return {
        "consumers": k,
        "events_measured": applied,
        "events_per_s": applied / seconds,
        "relay_events_per_s": relay_rate,
        "relay_cpu_ms_per_event": 1000 * relay_cpu / events,
        "broker_cpu_ms_per_publish": 1000 * publish_cpu / events,
        "worker_cpu_ms_per_event": 1000 * (after_cpu[0] - before[0]) / applied,
        "broker_cpu_ms_per_event": 1000 * (after_cpu[1] - before[1]) / applied,
        "postgres_cpu_ms_per_event": 1000 * (after_cpu[2] - before[2]) / applied,
        "load_average": round(os.getloadavg()[0], 2),
    }


def measure(database: str, events: int, counts: list[int], rounds: int) -> dict:
    """Every consumer count, `rounds` times interleaved, on one federation with a broker of its own; then the raw run."""
    broker = ContainerBroker()
    try:
        runs = []
        with running_federation(database, amqp_url=broker.url) as federation:
            catalog_engine, catalog = sessions(federation, "catalog")
            order_engine, order = sessions(federation, "order", writes=False)
            try:
                ids = create_products(catalog, PRODUCTS, announce=True)
                federation.start("order-worker")
                federation.start("catalog-worker")
                wait_until(lambda: replica_count(order) == PRODUCTS, 120, "the seeded products in the replica")
                federation.stop("order-worker")
                started = start_cpu(federation)
                for round_number in range(1, rounds + 1):
                    for k in counts:
                        run = {
                            "round": round_number,
                            **one_run(federation, broker, catalog, order, ids, events, k, started),
                        }
                        runs.append(run)
                        print(f"round {round_number}, {k} consumer(s): {run['events_per_s']:.0f} events/s", flush=True)
                raw = run_raw(broker.url, federation.namespace, events, event_body_size(catalog))
            finally:
                catalog_engine.dispose()
                order_engine.dispose()
    finally:
        broker.remove()
    medians = []
    for k in counts:
        mine = [run for run in runs if run["consumers"] == k]
        medians.append({"consumers": k, **{f: statistics.median(run[f] for run in mine) for f in FIGURES}})
    for median in medians:
        median["speed_up"] = median["events_per_s"] / medians[0]["events_per_s"]
        median["per_consumer_per_s"] = median["events_per_s"] / median["consumers"]
        median["events_per_worker_cpu_s"] = 1000 / median["worker_cpu_ms_per_event"]
    return {"database": database, "events": events, "raw_per_s": raw.rate, "medians": medians, "runs": runs}


def _last_seq(catalog) -> int:
    """The newest outbox row's sequence number."""
    with catalog() as session:
        return session.scalar(select(func.max(OutboxMessage.seq))) or 0


def _publish_span(catalog, after_seq: int) -> float:
    """Seconds from the relay's first to its last publish of the rows after `after_seq`."""
    with catalog() as session:
        first, last = session.execute(
            select(func.min(OutboxMessage.published_at), func.max(OutboxMessage.published_at)).where(
                OutboxMessage.seq > after_seq
            )
        ).one()
    return max((_aware(last) - _aware(first)).total_seconds(), 1e-3)


def _applied_since(order, moment: float) -> int:
    """Events the order consumer applied at or after `moment` (epoch seconds)."""
    with order() as session:
        stamps = session.scalars(select(InboxMessage.processed_at).where(InboxMessage.consumer == "order")).all()
    return sum(1 for stamp in stamps if _aware(stamp).timestamp() >= moment)


def _holds(order, expected: dict) -> bool:
    """Whether the replica holds at least the expected versions."""
    versions = replica_versions(order)
    return all(versions.get(product_id, 0) >= version for product_id, version in expected.items())


def _aware(moment: datetime) -> datetime:
    """Stored timestamps are UTC; SQLite returns them without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main() -> None:
    """Measure, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--consumers", default="1,2,3")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", default="postgres", choices=("postgres", "sqlite"))
    args = parser.parse_args()
    result = measure(args.database, args.events, [int(k) for k in args.consumers.split(",")], args.rounds)
    print_table(
        f"Competing consumers on order.inbox, {args.events} events, {args.database}, medians of {args.rounds} rounds "
        f"(raw publish + consume-and-ack: {result['raw_per_s']:.0f}/s)",
        (
            "consumers",
            "events/s",
            "speed-up",
            "per consumer",
            "worker CPU ms/ev",
            "events per worker CPU-s",
            "broker CPU ms/delivery",
            "postgres CPU ms/ev",
            "relay ev/s",
            "relay CPU ms/ev",
            "broker CPU ms/publish",
        ),
        [
            (
                m["consumers"],
                m["events_per_s"],
                m["speed_up"],
                m["per_consumer_per_s"],
                m["worker_cpu_ms_per_event"],
                m["events_per_worker_cpu_s"],
                m["broker_cpu_ms_per_event"],
                m["postgres_cpu_ms_per_event"],
                m["relay_events_per_s"],
                m["relay_cpu_ms_per_event"],
                m["broker_cpu_ms_per_publish"],
            )
            for m in result["medians"]
        ],
    )
    print("load average during the runs: " + ", ".join(str(run["load_average"]) for run in result["runs"]))

    def draw(axes) -> None:
        counts = [m["consumers"] for m in result["medians"]]
        base = result["medians"][0]["events_per_s"]
        for run in result["runs"]:
            axes.plot(run["consumers"], run["events_per_s"], marker=".", color="silver", linestyle="none")
        axes.plot(counts, [m["events_per_s"] for m in result["medians"]], marker="o", label="measured (median)")
        axes.plot(counts, [base * k for k in counts], linestyle="--", label="linear (k × one consumer)")
        axes.axhline(result["raw_per_s"], color="grey", linestyle=":", label="raw aio-pika publish + consume")
        axes.set_xticks(counts)
        axes.set_xlabel("competing order workers on order.inbox")
        axes.set_ylabel("events per second")
        axes.set_title(f"Competing consumers ({args.database}, 2 cores)")
        axes.legend(loc="upper left")

    save(f"consumers_{args.database}", result, draw)


if __name__ == "__main__":
    main()
