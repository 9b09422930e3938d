"""Benchmark 6: a soak with a short retention: outbox and inbox stay within what the retention implies, reads stay fast.

    python -m tests.benchmarks.bench_soak [--minutes 10] [--rate 500] [--retention 60s] [--interval 10s]
                                          [--databases sqlite,postgres]

The full run is 10 minutes at 500 changes/s (300k events) per database; shorter runs take smaller --minutes or
--rate. Per database: catalog and order workers run as real `scs worker` processes with SCS_OUTBOX_RETENTION and
SCS_INBOX_RETENTION set to --retention and SCS_PRUNE_INTERVAL to --interval; one writer commits price changes at
--rate (each its own transaction, through the outbox). A sampler process reads, every --sample seconds, the
row counts of the catalog outbox (and how many of them wait for the relay) and of the order inbox, and times the
relay's own batch read (the oldest unpublished rows; best of three).

Checks: (1) at every sample, outbox and inbox rows ≤ the changes committed in the last retention + interval
(what the retention implies), with 10 % for the sweep's own length, plus the rows waiting for the relay at that
moment and the seeded products' creation events; (2) the
relay's median batch read in the last tenth of the run ≤ 1.2 × that of the first tenth.
"""

from __future__ import annotations

import argparse
import bisect
import multiprocessing
import statistics
import time

from sqlalchemy import func, select

from federation.db import make_engine, read_only, relay_batch_engine
from federation.relay import _pending_rows
from federation.runtime_models import InboxMessage, OutboxMessage
from federation.settings import parse_duration
from tests.benchmarks.report import print_table, save
from tests.benchmarks.stack import (
    DATABASES,
    create_products,
    outbox_backlog_of,
    replica_count,
    running_federation,
    sessions,
    update_products,
    wait_until,
)

BOUND_SLACK = 1.1
READ_TARGET = 1.2
RELAY_BATCH = 200


class Sampler:
    """A process of its own sampling the tables' sizes and the relay's batch read, so its clock and GIL are its own."""

    def __init__(self, catalog_url: str, order_url: str, every: float) -> None:
        """Start sampling; returns once the first sample is taken."""
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._results, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_sample, args=(catalog_url, order_url, every, self._stop, child_end), daemon=True
        )
        self._process.start()
        child_end.close()
        if self._results.recv() != "ready":
            raise RuntimeError("the sampler did not start")

    def stop(self) -> list[dict]:
        """Stop after the sample under way; every sample."""
        self._stop.set()
        samples = self._results.recv()
        self._process.join(30)
        return samples


def _sample(catalog_url: str, order_url: str, every: float, stop, results) -> None:
    """The sampler process: one sample every `every` seconds until stopped."""
    catalog, order = read_only(make_engine(catalog_url)), read_only(make_engine(order_url))  # no SQLite write lock
    relay_reads = read_only(relay_batch_engine(make_engine(catalog_url)))  # as the relay reads
    pending = _pending_rows(RELAY_BATCH)

    def one() -> dict:
        with relay_reads.connect() as connection:
            reads = []
            for _ in range(3):
                started = time.perf_counter()
                connection.execute(pending).all()
                reads.append(time.perf_counter() - started)
                connection.rollback()
        with catalog.connect() as connection:
            outbox = connection.scalar(select(func.count()).select_from(OutboxMessage))
            waiting = connection.scalar(select(func.count()).where(OutboxMessage.published_at.is_(None)))
        with order.connect() as connection:
            inbox = connection.scalar(select(func.count()).select_from(InboxMessage))
        return {"at": time.time(), "outbox": outbox, "unpublished": waiting, "inbox": inbox, "read_s": min(reads)}

    samples = [one()]
    results.send("ready")
    while not stop.wait(every):
        samples.append(one())
    relay_reads.dispose()
    catalog.dispose()
    order.dispose()
    results.send(samples)


def measure(database: str, minutes: float, rate: float, retention: str, interval: str, every: float) -> dict:
    """One soak on `database`; samples, bounds and the read-time ratio."""
    retention_s = parse_duration("--retention", retention).total_seconds()
    interval_s = parse_duration("--interval", interval).total_seconds()
    events = int(minutes * 60 * rate)
    with running_federation(database) as federation:
        federation.extra_env.update(
            {"SCS_OUTBOX_RETENTION": retention, "SCS_INBOX_RETENTION": retention, "SCS_PRUNE_INTERVAL": interval}
        )
        catalog_engine, catalog = sessions(federation, "catalog")
        order_engine, order = sessions(federation, "order", writes=False)
        try:
            ids = create_products(catalog, 200, announce=True)
            federation.start("order-worker")
            federation.start("catalog-worker")
            wait_until(lambda: replica_count(order) == len(ids), 120, "the seeded products in the replica")
            sampler = Sampler(
                federation.env["SCS_CATALOG_DATABASE_URL"], federation.env["SCS_ORDER_DATABASE_URL"], every
            )
            started = time.time()
            commits = update_products(catalog, ids, events, rate=rate)
            wrote_for = time.time() - started
            wait_until(lambda: outbox_backlog_of(catalog) == 0, 300, "the relay to publish the last changes")
            samples = sampler.stop()
        finally:
            catalog_engine.dispose()
            order_engine.dispose()
    achieved = len(commits) / wrote_for
    window = retention_s + interval_s
    times = [committed for _, _, committed in commits]
    for sample in samples:  # what the retention implies at that moment: the changes of the last retention + interval
        recent = bisect.bisect_right(times, sample["at"]) - bisect.bisect_left(times, sample["at"] - window)
        sample["implied"] = recent
        sample["outbox_bound"] = recent * BOUND_SLACK + len(ids) + sample["unpublished"]
        sample["inbox_bound"] = recent * BOUND_SLACK + len(ids)
    tenth = max(1, len(samples) // 10)
    first = statistics.median(s["read_s"] for s in samples[:tenth])
    last = statistics.median(s["read_s"] for s in samples[-tenth:])
    return {
        "database": database,
        "events": len(commits),
        "seconds": wrote_for,
        "rate_per_s": achieved,
        "retention_s": retention_s,
        "interval_s": interval_s,
        "max_outbox": max(s["outbox"] for s in samples),
        "max_inbox": max(s["inbox"] for s in samples),
        "max_implied": max(s["implied"] for s in samples),
        "outbox_within_bound": all(s["outbox"] <= s["outbox_bound"] for s in samples),
        "inbox_within_bound": all(s["inbox"] <= s["inbox_bound"] for s in samples),
        "read_first_tenth_ms": first * 1000,
        "read_last_tenth_ms": last * 1000,
        "read_ratio": last / first,
        "samples": samples,
    }


def main() -> None:
    """Soak each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="length of the writing")
    parser.add_argument("--rate", type=float, default=500, help="changes per second")
    parser.add_argument("--retention", default="60s", help="SCS_OUTBOX_RETENTION and SCS_INBOX_RETENTION")
    parser.add_argument("--interval", default="10s", help="SCS_PRUNE_INTERVAL")
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between samples")
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    runs = [
        measure(database, args.minutes, args.rate, args.retention, args.interval, args.sample)
        for database in args.databases.split(",")
    ]
    print_table(
        f"Soak: retention {args.retention}, sweep every {args.interval} (implied: changes of the last retention + interval)",
        (
            "database",
            "events",
            "ev/s",
            "implied max",
            "max outbox",
            "max inbox",
            "within",
            "read first ms",
            "read last ms",
            "ratio",
            "≤ 1.2",
        ),
        [
            (
                r["database"],
                r["events"],
                r["rate_per_s"],
                r["max_implied"],
                r["max_outbox"],
                r["max_inbox"],
                "yes" if r["outbox_within_bound"] and r["inbox_within_bound"] else "NO",
                r["read_first_tenth_ms"],
                r["read_last_tenth_ms"],
                r["read_ratio"],
                "yes" if r["read_ratio"] <= READ_TARGET else "NO",
            )
            for r in runs
        ],
    )

    def draw(axes) -> None:
        for r in runs:
            start = r["samples"][0]["at"]
            times = [s["at"] - start for s in r["samples"]]
            axes.plot(times, [s["outbox"] for s in r["samples"]], label=f"{r['database']}: outbox rows")
            axes.plot(times, [s["inbox"] for s in r["samples"]], label=f"{r['database']}: inbox rows", linestyle="--")
            axes.plot(times, [s["implied"] for s in r["samples"]], color="grey", linewidth=0.8)
        axes.set_xlabel("seconds")
        axes.set_ylabel("rows")
        axes.set_title(f"Soak, retention {args.retention} (grey: changes of the last retention + interval)")
        axes.legend(fontsize="small")

    save(
        "soak",
        {"retention": args.retention, "interval": args.interval, "read_target": READ_TARGET, "runs": runs},
        draw,
    )


if __name__ == "__main__":
    main()
