"""Benchmark 5: does housekeeping delay web writes? Write latency p99 while a prune of 100k old rows runs, against none.

    python -m tests.benchmarks.bench_prune [--rows 100000] [--batches 500,200000] [--rate 100] [--databases sqlite,postgres]

Per database: a writer process commits the transaction a product edit makes (the product row and its outbox row,
`record_change` → `federation.outbox.add`) `--rate` times a second, timing each commit. First `--seconds` with
nothing else running (the baseline), then, for each batch size, while `federation.housekeeping.prune` deletes
`--rows` published outbox rows and as many inbox rows, all past their retention, from the same database. The
batch size the runtime uses is `BATCH_ROWS`; a batch as large as the whole table shows what batching avoids.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
import uuid
from datetime import timedelta

from sqlalchemy import insert

from federation import housekeeping
from federation.db import make_engine, make_session_factory
from federation.runtime_models import InboxMessage, OutboxMessage, utcnow
from systems.catalog.products.events import record_change
from systems.catalog.products.models import Product
from tests.benchmarks.report import percentile, print_table, save
from tests.benchmarks.stack import DATABASES, create_products, running_federation, sessions

TARGET = 2.0
RETENTION = timedelta(days=1)


def seed_old_rows(session_factory, rows: int) -> None:
    """`rows` outbox rows published two days ago and `rows` inbox rows applied as long ago, in bulk."""
    moment = utcnow() - 2 * RETENTION
    for start in range(0, rows, 5000):
        count = min(5000, rows - start)
        with session_factory() as session, session.begin():
            session.execute(
                insert(OutboxMessage),
                [
                    {
                        "event_id": str(uuid.uuid4()),
                        "producer": "catalog",
                        "event_type": "catalog.product.updated",
                        "aggregate_id": "seed",
                        "body": "{}",
                        "created_at": moment,
                        "published_at": moment,
                    }
                    for _ in range(count)
                ],
            )
            session.execute(
                insert(InboxMessage),
                [
                    {
                        "consumer": "catalog",
                        "event_id": str(uuid.uuid4()),
                        "producer": "order",
                        "event_type": "order.confirmed",
                        "occurred_at": moment,
                        "processed_at": moment - timedelta(microseconds=start + index),
                    }
                    for index in range(count)
                ],
            )


class Writer:
    """A process committing product edits at a steady rate until stopped; the seconds each commit took."""

    def __init__(self, database_url: str, ids: list[uuid.UUID], rate: float) -> None:
        """Start writing edits of `ids` (round robin) to `database_url`, once the process is warm."""
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._results, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_write, args=(database_url, ids, rate, self._stop, child_end), daemon=True
        )
        self._process.start()
        child_end.close()
        if self._results.recv() != "ready":
            raise RuntimeError("the writer did not start")

    def stop(self) -> list[float]:
        """Stop after the write under way; every write's duration."""
        self._stop.set()
        latencies = self._results.recv()
        self._process.join(30)
        return latencies


def _write(database_url: str, ids: list[uuid.UUID], rate: float, stop, results) -> None:
    """The writer process: one transaction per edit, paced at `rate`, timed from begin to commit."""
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    latencies: list[float] = []

    def edit(product_id: uuid.UUID) -> float:
        started = time.perf_counter()
        with factory() as session:
            product = session.get(Product, product_id)
            assert product is not None
            product.price_cents += 1
            record_change(session, product)
            session.commit()
        return time.perf_counter() - started

    edit(ids[0])  # connection and statement caches warm before the clock runs
    results.send("ready")
    started, index = time.perf_counter(), 0
    while not stop.is_set():
        latencies.append(edit(ids[index % len(ids)]))
        index += 1
        time.sleep(max(0.0, started + index / rate - time.perf_counter()))
    engine.dispose()
    results.send(latencies)


def measure(database: str, rows: int, batches: list[int], rate: float, seconds: float) -> dict:
    """The baseline, then one prune of `rows` old rows per table for each batch size, with the writer running."""
    with running_federation(database) as federation:
        engine, catalog = sessions(federation, "catalog")
        url = federation.env["SCS_CATALOG_DATABASE_URL"]
        try:
            ids = create_products(catalog, 50, announce=False)
            writer = Writer(url, ids, rate)
            time.sleep(seconds)
            baseline = writer.stop()
            runs = []
            for batch in batches:
                seed_old_rows(catalog, rows)
                writer = Writer(url, ids, rate)
                started = time.perf_counter()
                pruned = housekeeping.prune(
                    catalog,
                    system="catalog",
                    outbox_retention=RETENTION,
                    inbox_retention=RETENTION,
                    batch_rows=batch,
                )
                took = time.perf_counter() - started
                during = writer.stop()
                runs.append(
                    {
                        "batch_rows": batch,
                        "pruned": {"outbox": pruned.outbox, "inbox": pruned.inbox},
                        "prune_seconds": took,
                        "rows_per_s": (pruned.outbox + pruned.inbox) / took,
                        "writes": len(during),
                        "write_ms": _summary(during),
                        "p99_ratio": percentile(during, 0.99) / percentile(baseline, 0.99),
                        "latencies_ms": [value * 1000 for value in during],
                    }
                )
        finally:
            engine.dispose()
    return {
        "database": database,
        "rows": rows,
        "rate": rate,
        "baseline": {"writes": len(baseline), "write_ms": _summary(baseline)},
        "baseline_latencies_ms": [value * 1000 for value in baseline],
        "runs": runs,
    }


def _summary(latencies: list[float]) -> dict[str, float]:
    """p50, p99 and maximum in milliseconds."""
    return {
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": max(latencies) * 1000,
    }


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="old rows to prune, per table")
    parser.add_argument("--batches", default=f"{housekeeping.BATCH_ROWS},200000", help="batch sizes to compare")
    parser.add_argument("--rate", type=float, default=100, help="writes per second")
    parser.add_argument("--seconds", type=float, default=10, help="length of the baseline")
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    batches = [int(value) for value in args.batches.split(",")]
    results = [measure(database, args.rows, batches, args.rate, args.seconds) for database in args.databases.split(",")]
    rows = []
    for result in results:
        base = result["baseline"]["write_ms"]
        rows.append((result["database"], "none (baseline)", "", "", base["p50"], base["p99"], base["max"], ""))
        for run in result["runs"]:
            ms = run["write_ms"]
            rows.append(
                (
                    result["database"],
                    f"batches of {run['batch_rows']}",
                    run["pruned"]["outbox"] + run["pruned"]["inbox"],
                    run["prune_seconds"],
                    ms["p50"],
                    ms["p99"],
                    ms["max"],
                    f"{run['p99_ratio']:.2f}×",
                )
            )
    print_table(
        f"Write latency while {args.rows} old outbox and {args.rows} inbox rows are pruned, {args.rate:.0f} writes/s "
        f"(target: p99 ≤ {TARGET}× baseline with the runtime's batch of {housekeeping.BATCH_ROWS})",
        ("database", "prune", "rows", "prune s", "p50 ms", "p99 ms", "max ms", "p99 ratio"),
        rows,
    )

    def draw(axes) -> None:
        for result in results:
            series = [("baseline", result["baseline_latencies_ms"])] + [
                (f"batches of {run['batch_rows']}", run["latencies_ms"]) for run in result["runs"]
            ]
            for label, values in series:
                ordered = sorted(values)
                axes.plot(
                    [100 * (i + 1) / len(ordered) for i in range(len(ordered))],
                    ordered,
                    label=f"{result['database']}: {label}",
                )
        axes.set_yscale("log")
        axes.set_xlabel("percentile of writes")
        axes.set_ylabel("write transaction, ms")
        axes.set_title("Write latency during a prune of old outbox and inbox rows")
        axes.legend(fontsize="small")

    save(
        "prune",
        {"target_p99_ratio": TARGET, "results": results},
        draw,
    )


if __name__ == "__main__":
    main()
