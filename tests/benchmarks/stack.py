"""The benchmarks' surroundings: a private broker namespace, fresh databases, the real systems as processes, seeding."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from federation.db import make_engine, make_session_factory, read_only
from federation.outbox import outbox_backlog
from federation.runtime_models import InboxMessage, OutboxMessage
from systems.catalog.products.events import CREATED, publish_product, record_change
from systems.catalog.products.models import Product
from systems.order.products_copy.models import ProductCopy
from tests.conftest import TEST_RETRY_DELAYS_MS, delete_namespace
from tests.e2e.federation_processes import Federation

AMQP_URL = os.environ.get("SCS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
POSTGRES_ADMIN_URL = os.environ.get("SCS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASES = ("sqlite", "postgres")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    name = f"scs_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_federation(
    database: str, amqp_url: str = AMQP_URL, extra_env: dict[str, str] | None = None
) -> Iterator[Federation]:
    """Catalog and order with migrated `database` ("sqlite" or "postgres") databases in a private namespace; nothing started.

    `extra_env` goes to every process (e.g. the OTEL_* settings).
    """
    with tempfile.TemporaryDirectory(prefix="scs-bench-") as tmp, _database_urls(database, Path(tmp)) as urls:
        namespace = f"bench-{uuid.uuid4().hex[:10]}"
        federation = Federation(
            data_dir=Path(tmp) / "var",
            namespace=namespace,
            amqp_url=amqp_url,
            database_urls=urls,
            extra_env={"SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)), **(extra_env or {})},
        )
        federation.scs("db", "upgrade")
        try:
            yield federation
        finally:
            federation.stop_all()
            delete_namespace(amqp_url, namespace)


@contextmanager
def _database_urls(database: str, directory: Path) -> Iterator[dict[str, str]]:
    """Database URLs for catalog and order."""
    if database == "sqlite":
        yield {name: f"sqlite:///{directory / (name + '.db')}" for name in ("catalog", "order")}
        return
    with postgres_database() as catalog, postgres_database() as order:
        yield {"catalog": catalog, "order": order}


def sessions(federation: Federation, system: str, *, writes: bool = True) -> tuple[Engine, sessionmaker[Session]]:
    """An engine and sessions on one system's database, as its own processes open them (reads take no write lock)."""
    engine = make_engine(federation.env[f"SCS_{system.upper()}_DATABASE_URL"])
    return engine, make_session_factory(engine if writes else read_only(engine))


def create_products(catalog: sessionmaker[Session], count: int, *, announce: bool) -> list[uuid.UUID]:
    """`count` products in the catalog; with `announce`, each one's catalog.product.created goes to the outbox too."""
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "sku": f"BENCH-{index:06d}",
            "name": f"Benchmark product {index:06d}",
            "description": "A product of the benchmark data set, described in a sentence of ordinary length.",
            "price_cents": 1000 + index,
            "currency": "EUR",
            "stock": 100,
            "discontinued": False,
            "version": 1,
        }
        for index in range(count)
    ]
    with catalog() as session:
        for start in range(0, count, 5000):
            session.execute(insert(Product), rows[start : start + 5000])
        if announce:
            for product in session.scalars(select(Product)):
                publish_product(session, product, CREATED)
        session.commit()
    return [row["id"] for row in rows]


def update_products(
    catalog: sessionmaker[Session], ids: list[uuid.UUID], count: int, rate: float | None = None
) -> list[tuple[uuid.UUID, int, float]]:
    """`count` price changes round-robin on `ids`, a transaction each, paced at `rate`/s if given: (id, version, commit time)."""
    commits = []
    with catalog() as session:
        products = [session.get_one(Product, product_id) for product_id in ids]
        started = time.time()
        for index in range(count):
            if rate:
                time.sleep(max(0.0, started + index / rate - time.time()))
            product = products[index % len(products)]
            product.price_cents += 1
            record_change(session, product)
            session.commit()
            commits.append((product.id, product.version, time.time()))
    return commits


def replica_versions(order: sessionmaker[Session]) -> dict[uuid.UUID, int]:
    """The order system's copy: product id → aggregate_version."""
    with order() as session:
        return dict(session.execute(select(ProductCopy.id, ProductCopy.aggregate_version)).all())


def replica_count(order: sessionmaker[Session]) -> int:
    """Rows in the order system's product copy."""
    with order() as session:
        return session.scalar(select(func.count()).select_from(ProductCopy)) or 0


def wait_until(condition, timeout: float, what: str, interval: float = 0.05) -> float:
    """Poll `condition` until true; the time.time() it first held. Raises after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
    return time.time()


def first_published_at(catalog: sessionmaker[Session], after_seq: int) -> float:
    """When the relay published the first outbox row after `after_seq` (epoch seconds)."""
    with catalog() as session:
        return _epoch(session.scalar(select(func.min(OutboxMessage.published_at)).where(OutboxMessage.seq > after_seq)))


def last_outbox_seq(catalog: sessionmaker[Session]) -> int:
    """The newest outbox row's sequence number (0 if none)."""
    with catalog() as session:
        return session.scalar(select(func.max(OutboxMessage.seq))) or 0


def outbox_backlog_of(catalog: sessionmaker[Session]) -> int:
    """Outbox rows the relay has not marked published yet."""
    with catalog() as session:
        return outbox_backlog(session)


def last_processed_at(order: sessionmaker[Session]) -> float:
    """When the order consumer applied its latest event (epoch seconds)."""
    with order() as session:
        latest = session.scalar(select(func.max(InboxMessage.processed_at)))
    assert latest is not None, "the order consumer has applied no event yet"
    return _epoch(latest)


def event_body_size(catalog: sessionmaker[Session]) -> int:
    """Bytes of a typical catalog.product.updated body, so the raw baseline sends messages of the same size."""
    with catalog() as session:
        body = session.scalar(select(OutboxMessage.body).order_by(OutboxMessage.seq.desc()).limit(1))
    assert body is not None, "the catalog outbox is empty"
    return len(body.encode())


def _epoch(moment: datetime) -> float:
    """Epoch seconds of a stored UTC timestamp (SQLite hands it back without its zone)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def stage_times(
    catalog: sessionmaker[Session], order: sessionmaker[Session], after_seq: int
) -> list[tuple[float, float]]:
    """Per event after `after_seq`: seconds (outbox row created → marked published, marked published → consumer applied)."""
    with catalog() as session:
        outbox = session.execute(
            select(OutboxMessage.event_id, OutboxMessage.created_at, OutboxMessage.published_at).where(
                OutboxMessage.seq > after_seq
            )
        ).all()
    with order() as session:
        applied = dict(
            session.execute(
                select(InboxMessage.event_id, InboxMessage.processed_at).where(
                    InboxMessage.event_id.in_([row.event_id for row in outbox])
                )
            ).all()
        )
    return [
        (_epoch(row.published_at) - _epoch(row.created_at), _epoch(applied[row.event_id]) - _epoch(row.published_at))
        for row in outbox
        if row.event_id in applied
    ]
