"""The naive baseline: a "dual write" over the same broker and database kind, without outbox or inbox.

What a Python developer would write instead of an outbox: commit the change, then publish the event with pika and
wait for its confirm (an event is lost whenever the process dies between the two); a consumer in another process
(aio-pika) upserts the copy under a version guard, commits, then acks. Same SQLite tuning (federation.db) or
PostgreSQL, the same 100 products, the same body size as a real event. Run as a module, this file is that
consumer: `python -m tests.benchmarks.dual_write DATABASE_URL QUEUE` (AMQP URL from SCS_TEST_AMQP_URL).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import aio_pika
import pika
from sqlalchemy import Engine, Float, Integer, String, Table, Uuid, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from federation.db import make_engine, make_session_factory
from tests.benchmarks.pipeline import Watcher
from tests.benchmarks.stack import AMQP_URL, postgres_database, wait_until

PREFETCH = 50
PRODUCTS = 100


class Base(DeclarativeBase):
    """The baseline's own tables (it shares nothing with the systems)."""


class DwProduct(Base):
    """The producer's product, as a plain ORM model with a version counter."""

    __tablename__ = "dw_products"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000))
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class DwCopy(Base):
    """The consumer's copy, guarded by the version it holds."""

    __tablename__ = "dw_copy"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer)
    aggregate_version: Mapped[int] = mapped_column(Integer)
    applied_at: Mapped[float] = mapped_column(Float)  # the consumer's clock just before its commit


def body_of(product: DwProduct, body_size: int) -> bytes:
    """The event a developer would send: id, type, time, version and the product's state, padded to `body_size`."""
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "type": "catalog.product.updated",
            "occurred_at": datetime.now(UTC).isoformat(),
            "aggregate_id": str(product.id),
            "aggregate_version": product.version,
            "data": {
                "id": str(product.id),
                "sku": product.sku,
                "name": product.name,
                "description": product.description,
                "price_cents": product.price_cents,
                "currency": product.currency,
                "stock": product.stock,
            },
        }
    ).encode()
    return body + b" " * max(0, body_size - len(body))


@dataclass
class DualWrite:
    """A running dual write: the producer's sessions, a pika channel with confirms, the copy's database and consumer."""

    producer: sessionmaker[Session]
    copy_url: str
    copy: sessionmaker[Session]
    channel: pika.adapters.blocking_connection.BlockingChannel
    exchange: str
    body_size: int
    consumer_pid: int

    def write(self, count: int, rate: float | None = None) -> list[tuple[uuid.UUID, int, float]]:
        """`count` price changes round-robin, each committed then published (confirm awaited): (id, version, commit time)."""
        commits = []
        properties = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        with self.producer() as session:
            products = list(session.scalars(select(DwProduct).order_by(DwProduct.sku)))
            started = time.time()
            for index in range(count):
                if rate:
                    time.sleep(max(0.0, started + index / rate - time.time()))
                product = products[index % len(products)]
                product.price_cents += 1
                product.version += 1
                session.commit()
                committed = time.time()
                self.channel.basic_publish(
                    self.exchange, "catalog.product.updated", body_of(product, self.body_size), properties
                )
                commits.append((product.id, product.version, committed))
        return commits

    def sustained_rate(self, count: int, timeout: float = 600) -> float:
        """Changes/s from the first commit to the consumer's last apply (the time it stores with the copy row)."""
        commits = self.write(count)
        wait_until(lambda: self._holds(commits), timeout, "the dual write's copy", interval=0.1)
        with self.copy() as session:
            last_applied = session.scalar(select(func.max(DwCopy.applied_at)))
        assert last_applied is not None
        return count / (last_applied - commits[0][2])

    def latencies(self, rate: float, count: int, timeout: float = 120) -> list[float]:
        """Seconds from each commit to its version being visible in the copy, at `rate` changes/s."""
        watcher = Watcher(self.copy_url, DwCopy.__tablename__)
        try:
            commits = self.write(count, rate=rate)
            wait_until(lambda: self._holds(commits), timeout, "the dual write's paced changes")
        finally:
            seen = watcher.stop()
        return [seen[(product_id, version)] - committed for product_id, version, committed in commits]

    def _holds(self, commits: list[tuple[uuid.UUID, int, float]]) -> bool:
        """Whether the copy holds the newest version written of every product."""
        expected = {product_id: version for product_id, version, _ in commits}
        with self.copy() as session:
            versions = dict(session.execute(select(DwCopy.id, DwCopy.aggregate_version)).all())
        return all(versions.get(product_id, 0) >= version for product_id, version in expected.items())


@contextmanager
def running_dual_write(database: str, body_size: int, amqp_url: str = AMQP_URL) -> Iterator[DualWrite]:
    """Fresh databases of kind `database`, an exchange and quorum queue, the consumer process, 100 products copied."""
    with ExitStack() as stack:
        if database == "sqlite":
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scs-bench-dw-")))
            producer_url, copy_url = (f"sqlite:///{directory / name}.db" for name in ("producer", "copy"))
        else:
            producer_url = stack.enter_context(postgres_database())
            copy_url = stack.enter_context(postgres_database())
        engines = [make_engine(producer_url), make_engine(copy_url)]
        for engine in engines:
            Base.metadata.create_all(engine)
            stack.callback(engine.dispose)
        name = f"bench-dw-{uuid.uuid4().hex[:10]}"
        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        stack.callback(_delete_topology, connection, name)
        channel = connection.channel()
        channel.exchange_declare(name, "topic", durable=True)
        channel.queue_declare(name, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(name, name, routing_key="catalog.product.#")
        channel.confirm_delivery()
        consumer = subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks.dual_write", copy_url, name, amqp_url], stdout=subprocess.PIPE
        )
        stack.callback(_stop, consumer)
        assert consumer.stdout is not None
        if consumer.stdout.readline().strip() != b"ready":
            raise RuntimeError("the dual write's consumer did not start")
        rig = DualWrite(
            producer=make_session_factory(engines[0]),
            copy_url=copy_url,
            copy=make_session_factory(engines[1]),
            channel=channel,
            exchange=name,
            body_size=body_size,
            consumer_pid=consumer.pid,
        )
        _seed(engines[0])
        rig.sustained_rate(PRODUCTS)  # every product once: the copy holds all, the paths are warm
        yield rig


def _seed(engine: Engine) -> None:
    """The same 100 products as the pipeline's benchmark."""
    with Session(engine) as session:
        session.add_all(
            DwProduct(
                id=uuid.uuid4(),
                sku=f"BENCH-{index:06d}",
                name=f"Benchmark product {index:06d}",
                description="A product of the benchmark data set, described in a sentence of ordinary length.",
                price_cents=1000 + index,
                currency="EUR",
                stock=100,
                version=1,
            )
            for index in range(PRODUCTS)
        )
        session.commit()


def _delete_topology(connection: pika.BlockingConnection, name: str) -> None:
    """Remove the baseline's queue and exchange, then close the publisher's connection."""
    channel = connection.channel()
    channel.queue_delete(name)
    channel.exchange_delete(name)
    connection.close()


def _stop(consumer: subprocess.Popen) -> None:
    """End the consumer process."""
    consumer.terminate()
    try:
        consumer.wait(10)
    except subprocess.TimeoutExpired:
        consumer.kill()


async def _consume(copy_url: str, queue_name: str, amqp_url: str) -> None:
    """Per message: upsert the copy if the version is newer, commit, then ack; until terminated."""
    engine = make_engine(copy_url)
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    table = cast(Table, DwCopy.__table__)
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={
            column: statement.excluded[column]
            for column in ("name", "price_cents", "currency", "stock", "aggregate_version", "applied_at")
        },
        where=table.c.aggregate_version < statement.excluded.aggregate_version,
    )
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=PREFETCH)
    queue = await channel.get_queue(queue_name, ensure=False)

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        event = json.loads(message.body)
        data = event["data"]
        with Session(engine) as session:
            session.execute(
                statement,
                {
                    "id": uuid.UUID(data["id"]),
                    "name": data["name"],
                    "price_cents": data["price_cents"],
                    "currency": data["currency"],
                    "stock": data["stock"],
                    "aggregate_version": event["aggregate_version"],
                    "applied_at": time.time(),
                },
            )
            session.commit()
        await message.ack()

    await queue.consume(on_message)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_consume(sys.argv[1], sys.argv[2], sys.argv[3]))
