"""Two catalog workers competing for one queue of order.placed events never oversell: stock >= 0 and reservations add up."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pika
from sqlalchemy import func, select

from federation.db import make_engine, make_session_factory
from federation.migrations import upgrade
from federation.settings import Settings
from federation.topology import Names
from shared_contracts.order import OrderState
from systems.catalog.inventory.models import Reservation, ReservationLine
from systems.catalog.system import SYSTEM
from tests.catalog.conftest import add_product, get_product, order_event, outbox
from tests.conftest import TEST_RETRY_DELAYS_MS, wait_for
from tests.federation.harness import publish_event, queue_depth

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 40


def consumer_count(amqp_url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.consumer_count
    except pika.exceptions.ChannelClosedByBroker:
        return 0
    finally:
        if connection.is_open:
            connection.close()


def answered(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(
            select(func.count()).select_from(Reservation).where(Reservation.status.in_(("reserved", "rejected")))
        )


def test_two_workers_never_oversell(data_dir, postgres_url, amqp_url, namespace):
    env = {
        **os.environ,
        "SCS_DATA_DIR": str(data_dir),
        "SCS_CATALOG_DATABASE_URL": postgres_url,
        "SCS_AMQP_URL": amqp_url,
        "SCS_NAMESPACE": namespace,
        "SCS_PREFETCH": "1",
        "SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)),
    }
    engine = make_engine(postgres_url)
    upgrade(SYSTEM, Settings.from_env("catalog", env), engine=engine)
    session_factory = make_session_factory(engine)
    mug = add_product(session_factory, name="Enamel mug", stock=12)
    pot = add_product(session_factory, name="Teapot", stock=7)
    initial = {mug.id: 12, pot.id: 7}

    workers = [
        subprocess.Popen([sys.executable, "-m", "tests.catalog.run_catalog_worker"], cwd=ROOT, env=env)
        for _ in range(2)
    ]
    try:
        inbox = Names(namespace).inbox_queue("catalog")
        wait_for(lambda: consumer_count(amqp_url, inbox) == 2, timeout=30, message="both workers to consume")
        chance = random.Random(7)
        orders = []
        for _ in range(ORDERS):
            products = chance.sample([mug.id, pot.id], chance.choice([1, 2]))
            orders.append(order_event("order.placed", [(pid, chance.randint(1, 3)) for pid in products]))
        for event in orders:
            publish_event(amqp_url, namespace, event)
        for event in orders[:5]:  # re-published with new event ids: must not reserve again
            order = event.data_as(OrderState)
            lines = [(line.product_id, line.quantity) for line in order.lines]
            publish_event(amqp_url, namespace, order_event("order.placed", lines, order_id=order.id))
        wait_for(lambda: answered(session_factory) == ORDERS, timeout=45, message="every order answered")
        wait_for(lambda: queue_depth(amqp_url, inbox) == 0, timeout=30, message="the queue to drain")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        exit_codes = [worker.wait(timeout=20) for worker in workers]
    assert exit_codes == [0, 0]

    with session_factory() as session:
        held: Counter[uuid.UUID] = Counter()
        for line in session.scalars(select(ReservationLine).join(Reservation).where(Reservation.status == "reserved")):
            held[line.product_id] += line.quantity
    for product_id, stock in initial.items():
        product = get_product(session_factory, product_id)
        assert product.stock >= 0
        assert product.stock + held[product_id] == stock
        versions = [e.aggregate_version for e in outbox(session_factory) if e.aggregate_id == str(product_id)]
        assert versions == list(range(1, product.version + 1))
    answers = [e for e in outbox(session_factory) if e.type.startswith("catalog.stock.")]
    assert sorted(e.aggregate_id for e in answers) == sorted(str(e.data_as(OrderState).id) for e in orders)
    assert any(e.type == "catalog.stock.rejected" for e in answers) and any(
        e.type == "catalog.stock.reserved" for e in answers
    )
    assert queue_depth(amqp_url, Names(namespace).dead_letter_queue("catalog")) == 0
    engine.dispose()
