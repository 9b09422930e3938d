"""The replication pipeline under measure: catalog products changed through the outbox, the catalog worker's relay,
the order worker's consumer and `on_product_changed`, with both workers as real `scs worker` processes."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from systems.order.products_copy.models import ProductCopy
from tests.benchmarks.stack import (
    create_products,
    first_published_at,
    last_outbox_seq,
    last_processed_at,
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
        """Changes/s the whole path sustains: `count` changes committed as fast as one writer goes while both
        workers run, from the first commit to the consumer's last apply (the writer shares the machine, as in
        the paced run)."""
        commits = update_products(self.catalog, self.ids, count)
        wait_until(lambda: self._holds(_final_versions(commits)), timeout, f"{count} events in the replica", interval=0.1)
        return count / (last_processed_at(self.order) - commits[0][2])

    def latencies(self, rate: float, count: int, timeout: float = 120) -> tuple[list[float], list[tuple[float, float]]]:
        """Seconds from each change's commit to its version being visible in the replica, at `rate` changes/s,
        and per event the time spent before the relay marked it published and after (from the stored timestamps)."""
        after = last_outbox_seq(self.catalog)
        watcher = _Watcher(self.order)
        watcher.start()
        try:
            commits = update_products(self.catalog, self.ids, count, rate=rate)
            wait_until(lambda: self._holds(_final_versions(commits)), timeout, "the paced events in the replica")
        finally:
            watcher.stop()
        visible = [watcher.seen[(product_id, version)] - committed for product_id, version, committed in commits]
        return visible, stage_times(self.catalog, self.order, after)

    def _holds(self, expected: dict[uuid.UUID, int]) -> bool:
        """Does the replica hold at least these versions?"""
        versions = replica_versions(self.order)
        return all(versions.get(product_id, 0) >= version for product_id, version in expected.items())


class _Watcher(threading.Thread):
    """Polls the replica every POLL_SECONDS and notes when each (product, version) first became visible.

    It reads through a plain driver connection: the watcher shares the machine with the pipeline it measures,
    and SQLAlchemy's ORM at 200 reads/s took a tenth of a core from it.
    """

    def __init__(self, order: sessionmaker[Session]) -> None:
        super().__init__(daemon=True)
        self.order = order
        self.seen: dict[tuple[uuid.UUID, int], float] = {}
        self._last = replica_versions(order)
        self._ids: dict[object, uuid.UUID] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        connection = self.order.kw["bind"].raw_connection()
        try:
            while not self._stop_event.is_set():
                self._poll(connection)
                self._stop_event.wait(POLL_SECONDS)
        finally:
            connection.close()

    def _poll(self, connection) -> None:
        """Note the versions that became visible since the last poll."""
        cursor = connection.cursor()
        try:
            cursor.execute(f"SELECT id, aggregate_version FROM {ProductCopy.__tablename__}")
            versions = {self._id(product_id): version for product_id, version in cursor.fetchall()}
        finally:
            cursor.close()
        connection.rollback()  # end the read, so each poll sees the latest commit
        now = time.time()
        for product_id, version in versions.items():
            for newer in range(self._last.get(product_id, 0) + 1, version + 1):
                self.seen[(product_id, newer)] = now
        self._last = versions

    def _id(self, value) -> uuid.UUID:
        """A product id as either driver returns it (SQLite: 32 hex digits, PostgreSQL: a UUID), parsed once."""
        parsed = self._ids.get(value)
        if parsed is None:
            parsed = self._ids[value] = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        return parsed

    def stop(self) -> None:
        """Stop after the poll under way."""
        self._stop_event.set()
        self.join()


def _final_versions(commits: list[tuple[uuid.UUID, int, float]]) -> dict[uuid.UUID, int]:
    """The newest version written per product."""
    return {product_id: version for product_id, version, _ in commits}


@contextmanager
def running_pipeline(database: str, products: int = 100) -> Iterator[Rig]:
    """Catalog and order workers running on `database`, with `products` products created and copied."""
    with running_federation(database) as federation:
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
