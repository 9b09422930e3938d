"""The baselines: a naive "dual write", and the least an outbox pipeline can do (its floor), on the same broker and database.

Dual write: what a Python developer would write instead of an outbox: commit the change, then publish the event
with pika and wait for its confirm (an event is lost whenever the process dies between the two); a consumer in
another process (aio-pika) upserts the copy under a version guard, commits, then acks.

Outbox floor: the same rig made to keep ARCHITECTURE §4's guarantees with nothing else: the event is a row committed
with the change (and a wake-up: NOTIFY, or the signal file SQLite writers touch), a relay process woken by it reads
the rows, publishes them with pipelined confirms and deletes them; the consumer writes an inbox row in the
transaction of its upsert. No lease, no envelope model, no tracing, no logging, no dead-lettering: what any design
that publishes from a process other than the writer's, after the commit, must pay.

Same SQLite tuning (federation.db) or PostgreSQL, the same 100 products, the same body size as a real event. Run as
a module, this file is the consumer (`python -m tests.benchmarks.dual_write consume DATABASE_URL QUEUE AMQP_URL
[inbox]`) or the floor's relay (`... relay DATABASE_URL EXCHANGE AMQP_URL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
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
from sqlalchemy import Engine, Float, Integer, LargeBinary, String, Table, Uuid, delete, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from federation.db import make_engine, make_session_factory, relay_batch_engine
from federation.outbox_watch import CHANNEL, OutboxWatch, signal_file, watch_outbox
from tests.benchmarks.pipeline import Watcher
from tests.benchmarks.stack import AMQP_URL, postgres_database, wait_until

PREFETCH = 50
PRODUCTS = 100
RELAY_BATCH = 200
RELAY_POLL_SECONDS = 2.0


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


class DwOutbox(Base):
    """The floor's outbox: an event body waiting for the relay (deleted once the broker confirmed it)."""

    __tablename__ = "dw_outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class DwInbox(Base):
    """The floor's inbox: the ids of the events the consumer applied."""

    __tablename__ = "dw_inbox"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)


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
    """A running baseline: the producer's sessions, a pika channel with confirms, the copy's database and consumer.

    With `via_outbox` (the floor) the producer commits each event as an outbox row and a relay process publishes it.
    """

    producer: sessionmaker[Session]
    copy_url: str
    copy: sessionmaker[Session]
    channel: pika.adapters.blocking_connection.BlockingChannel
    exchange: str
    body_size: int
    consumer_pid: int
    via_outbox: bool = False

    def write(self, count: int, rate: float | None = None) -> list[tuple[uuid.UUID, int, float]]:
        """`count` price changes round-robin, each committed then published or queued: (id, version, commit time)."""
        commits = []
        properties = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        with self.producer() as session:
            queue = _outbox_insert(session.get_bind().dialect.name)
            signal = signal_file(session.get_bind().engine)
            products = list(session.scalars(select(DwProduct).order_by(DwProduct.sku)))
            started = time.time()
            for index in range(count):
                if rate:
                    time.sleep(max(0.0, started + index / rate - time.time()))
                product = products[index % len(products)]
                product.price_cents += 1
                product.version += 1
                if self.via_outbox:
                    session.execute(queue, {"body": body_of(product, self.body_size)})
                session.commit()
                committed = time.time()
                if not self.via_outbox:
                    self.channel.basic_publish(
                        self.exchange, "catalog.product.updated", body_of(product, self.body_size), properties
                    )
                elif signal is not None:
                    os.utime(signal)
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


def _outbox_insert(dialect: str):
    """The floor's outbox row; on PostgreSQL the NOTIFY that wakes the relay rides in the same statement."""
    if dialect == "postgresql":
        return text(f"INSERT INTO dw_outbox (body) SELECT :body FROM (SELECT pg_notify('{CHANNEL}', '')) AS wake")
    return insert(DwOutbox)


@contextmanager
def running_dual_write(
    database: str, body_size: int, amqp_url: str = AMQP_URL, *, via_outbox: bool = False
) -> Iterator[DualWrite]:
    """Fresh databases of kind `database`, an exchange and quorum queue, the consumer process, 100 products copied.

    `via_outbox`: the floor (an outbox row per change, a relay process, an inbox row per event).
    """
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
        parameters = pika.URLParameters(amqp_url)
        # no heartbeats: a blocking connection idles through the other paths' turns, and the broker would drop it
        parameters.heartbeat = 0
        connection = pika.BlockingConnection(parameters)
        stack.callback(_delete_topology, connection, name)
        channel = connection.channel()
        channel.exchange_declare(name, "topic", durable=True)
        channel.queue_declare(name, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(name, name, routing_key="catalog.product.#")
        channel.confirm_delivery()
        consumer = _started(stack, "consume", copy_url, name, amqp_url, *(["inbox"] if via_outbox else []))
        if via_outbox:
            _started(stack, "relay", producer_url, name, amqp_url)
        rig = DualWrite(
            producer=make_session_factory(engines[0]),
            copy_url=copy_url,
            copy=make_session_factory(engines[1]),
            channel=channel,
            exchange=name,
            body_size=body_size,
            consumer_pid=consumer.pid,
            via_outbox=via_outbox,
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


def _started(stack: ExitStack, *args: str) -> subprocess.Popen:
    """This module run as a process (`consume` or `relay`), once it said it is ready; stopped when `stack` closes."""
    process = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.dual_write", *args], stdout=subprocess.PIPE)
    stack.callback(_stop, process)
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        raise RuntimeError(f"the baseline's {args[0]} process did not start")
    return process


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


async def _consume(copy_url: str, queue_name: str, amqp_url: str, inbox: bool) -> None:
    """Per message: upsert the copy if the version is newer, commit, then ack; until terminated.

    With `inbox` (the floor) the event's id is noted in the same transaction, and an id noted before is only acked.
    """
    engine = make_engine(copy_url)
    upsert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    table = cast(Table, DwCopy.__table__)
    noted = upsert(cast(Table, DwInbox.__table__)).on_conflict_do_nothing().returning(DwInbox.event_id)
    statement = upsert(table)
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
            if inbox and session.execute(noted, {"event_id": event["id"]}).first() is None:
                await message.ack()  # a duplicate: applied before
                return
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


async def _relay(producer_url: str, exchange_name: str, amqp_url: str) -> None:
    """The floor's relay: once woken by a commit (or after RELAY_POLL_SECONDS), publish the rows, then delete them.

    In order, a batch at a time, its confirms awaited together (as the project's relay publishes); until terminated.
    """
    engine = relay_batch_engine(make_engine(producer_url))
    watch = watch_outbox(make_engine(producer_url))
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(exchange_name, ensure=False)
    read = select(DwOutbox.seq, DwOutbox.body).order_by(DwOutbox.seq).limit(RELAY_BATCH)
    watch.fileno()  # watching from now on (SQLite: the signal file the writer touches exists), before saying so
    print("ready", flush=True)
    while True:
        watch.fired()  # takes the wake-ups queued so far: the rows they announced are read next
        while True:
            with engine.connect() as reading:
                rows = reading.execute(read).all()
                reading.rollback()
            if not rows:
                break
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, content_type="application/json"
                        ),
                        "catalog.product.updated",
                        mandatory=True,
                    )
                    for _, body in rows
                )
            )
            with engine.begin() as marking:
                marking.execute(delete(DwOutbox).where(DwOutbox.seq.in_([seq for seq, _ in rows])))
        await _woken(watch, RELAY_POLL_SECONDS)


async def _woken(watch: OutboxWatch, timeout: float) -> None:
    """Return once a commit was announced since the last look (at once if one was), or after `timeout` seconds.

    The descriptor is watched only while waiting, as the project's relay does: watched while publishing, a commit
    that arrived meanwhile would have the event loop call back again and again until the next look.
    """
    descriptor = watch.fileno()
    if watch.fired():
        return
    if descriptor is None:  # the database cannot be reached: wait the whole timeout
        await asyncio.sleep(timeout)
        return
    loop = asyncio.get_running_loop()
    readable = asyncio.Event()
    loop.add_reader(descriptor, readable.set)
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(readable.wait(), timeout)
    finally:
        loop.remove_reader(descriptor)


if __name__ == "__main__":
    if sys.argv[1] == "relay":
        asyncio.run(_relay(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        asyncio.run(_consume(sys.argv[2], sys.argv[3], sys.argv[4], inbox=sys.argv[5:] == ["inbox"]))
