"""The replication pipeline under measure, with both workers as real `scs worker` processes.

Catalog products changed through the outbox, the catalog worker's relay, the order worker's consumer and
`on_product_changed`.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from federation.db import make_engine
from systems.order.products_copy.models import ProductCopy
from tests.benchmarks.stack import (
    create_products,
    first_published_at,
    last_outbox_seq,
    last_processed_at,
    outbox_backlog_of,
    replica_count,
    replica_versions,
    running_federation,
    sessions,
    stage_times,
    update_products,
    wait_until,
)
from tests.e2e.federation_processes import Federation

POLL_SECONDS = 0.005


@dataclass
class Rig:
    """A running catalog → order pipeline with `ids` products already copied."""

    federation: Federation
    catalog: sessionmaker[Session]
    order: sessionmaker[Session]
    ids: list[uuid.UUID]

    def throughput(self, count: int, timeout: float = 600) -> float:
        """Events/s end to end: `count` changes written while the relay is stopped, then relayed and applied.

        Measured from the relay's first publish to the consumer's last apply (timestamps the processes store).
        """
        self.federation.stop("catalog-worker")
        after = last_outbox_seq(self.catalog)
        expected = _final_versions(update_products(self.catalog, self.ids, count))
        self.federation.start("catalog-worker")
        wait_until(lambda: self._holds(expected), timeout, f"{count} events in the replica", interval=0.1)
        return count / (last_processed_at(self.order) - first_published_at(self.catalog, after))

    def sustained_rate(self, count: int, timeout: float = 600) -> float:
        """Changes/s the whole path sustains, from the first commit to the consumer's last apply.

        `count` changes are committed as fast as one writer goes while both workers run (the writer shares the
        machine, as in the paced run).
        """
        commits = update_products(self.catalog, self.ids, count)
        wait_until(
            lambda: self._holds(_final_versions(commits)), timeout, f"{count} events in the replica", interval=0.1
        )
        return count / (last_processed_at(self.order) - commits[0][2])

    def latencies(self, rate: float, count: int, timeout: float = 120) -> tuple[list[float], list[tuple[float, float]]]:
        """Seconds from each change's commit to its version being visible in the replica, at `rate` changes/s.

        Also, per event, the time spent before the relay marked it published and after (from the stored timestamps).
        """
        after = last_outbox_seq(self.catalog)
        watcher = Watcher(self.federation.env["SCS_ORDER_DATABASE_URL"])
        try:
            commits = update_products(self.catalog, self.ids, count, rate=rate)
            wait_until(lambda: self._holds(_final_versions(commits)), timeout, "the paced events in the replica")
        finally:
            seen = watcher.stop()
        wait_until(lambda: outbox_backlog_of(self.catalog) == 0, timeout, "the relay marking the last rows published")
        visible = [seen[(product_id, version)] - committed for product_id, version, committed in commits]
        return visible, stage_times(self.catalog, self.order, after)

    def _holds(self, expected: dict[uuid.UUID, int]) -> bool:
        """Whether the replica holds at least these versions."""
        versions = replica_versions(self.order)
        return all(versions.get(product_id, 0) >= version for product_id, version in expected.items())


class Watcher:
    """A process that polls a replica table every POLL_SECONDS and notes when each (id, aggregate_version) became visible.

    A process, not a thread: a thread shared the GIL with the writer, so either could hold up the other's clock
    readings. It reads through a plain driver connection: SQLAlchemy's ORM at 200 reads/s took a tenth of a core
    from the pipeline it measures.
    """

    def __init__(self, database_url: str, table: str = ProductCopy.__tablename__) -> None:
        """Start watching `table` (columns id and aggregate_version) in the database at `database_url`."""
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._results, child_end = context.Pipe(duplex=False)
        self._process = context.Process(target=_watch, args=(database_url, table, self._stop, child_end), daemon=True)
        self._process.start()
        child_end.close()  # so that recv() fails, rather than waits for ever, should the process die
        if self._results.recv() != "ready":
            raise RuntimeError("the replica watcher did not start")

    def stop(self) -> dict[tuple[uuid.UUID, int], float]:
        """Stop after the poll under way; when each (product, version) was first seen."""
        self._stop.set()
        seen = self._results.recv()
        self._process.join(30)
        return seen


def _watch(database_url: str, table: str, stop, results) -> None:
    """The watcher process: poll until `stop` is set, then send what was seen when."""
    connection = make_engine(database_url).raw_connection()
    ids: dict[object, uuid.UUID] = {}

    def versions() -> dict[uuid.UUID, int]:
        cursor = connection.cursor()
        try:
            cursor.execute(f"SELECT id, aggregate_version FROM {table}")
            rows = cursor.fetchall()
        finally:
            cursor.close()
        connection.rollback()  # end the read, so each poll sees the latest commit
        for raw_id, _ in rows:
            if raw_id not in ids:  # SQLite gives 32 hex digits, PostgreSQL a UUID: parse each id once
                ids[raw_id] = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(raw_id)
        return {ids[raw_id]: version for raw_id, version in rows}

    seen: dict[tuple[uuid.UUID, int], float] = {}
    last = versions()
    results.send("ready")
    while True:
        stopping = stop.wait(POLL_SECONDS)
        current = versions()  # polled once more after the stop: the caller stops on having seen the last versions
        now = time.time()
        for product_id, version in current.items():
            for newer in range(last.get(product_id, 0) + 1, version + 1):
                seen[(product_id, newer)] = now
        last = current
        if stopping:
            break
    connection.close()
    results.send(seen)


def _final_versions(commits: list[tuple[uuid.UUID, int, float]]) -> dict[uuid.UUID, int]:
    """The newest version written per product."""
    return {product_id: version for product_id, version, _ in commits}


@contextmanager
def running_pipeline(database: str, products: int = 100, extra_env: dict[str, str] | None = None) -> Iterator[Rig]:
    """Catalog and order workers running on `database`, with `products` products created and copied (`extra_env`: to each)."""
    with running_federation(database, extra_env=extra_env) as federation:
        catalog_engine, catalog = sessions(federation, "catalog")
        order_engine, order = sessions(federation, "order", writes=False)
        try:
            ids = create_products(catalog, products, announce=True)
            federation.start("order-worker")
            federation.start("catalog-worker")
            wait_until(lambda: replica_count(order) == products, 120, "the seeded products in the replica")
            yield Rig(federation, catalog, order, ids)
        finally:
            catalog_engine.dispose()
            order_engine.dispose()
