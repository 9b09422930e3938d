"""A worker killed before it acks gets the message again and applies it exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import func, select

from federation.db import make_engine, make_session_factory
from federation.runtime_models import InboxMessage, RuntimeBase
from federation.topology import Names
from shared_contracts import new_event
from shared_contracts.examples import example_data
from tests.conftest import TEST_RETRY_DELAYS_MS, wait_for
from tests.federation.harness import publish_event
from tests.federation.sample_system import ProductCopy, SampleBase

ROOT = Path(__file__).resolve().parents[2]


def _consumer_count(amqp_url: str, queue: str) -> int:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.consumer_count
    except Exception:
        return 0
    finally:
        if connection.is_open:
            connection.close()


def _copy_exists(factory, product_id: str) -> bool:
    with factory() as session:
        return session.get(ProductCopy, product_id) is not None


def test_killed_before_ack_redelivers_and_applies_once(tmp_path, sqlite_url, amqp_url, namespace):
    engine = make_engine(sqlite_url)
    SampleBase.metadata.create_all(engine)
    RuntimeBase.metadata.create_all(engine)
    factory = make_session_factory(engine)
    marker = tmp_path / "crashed"
    env = {
        **os.environ,
        "SCS_SAMPLE_DATABASE_URL": sqlite_url,
        "SCS_AMQP_URL": amqp_url,
        "SCS_NAMESPACE": namespace,
        "SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)),
        "SCS_DATA_DIR": str(tmp_path),
        "SAMPLE_CRASH_MARKER": str(marker),
    }
    inbox = Names(namespace).inbox_queue("sample")

    def start():
        process = subprocess.Popen([sys.executable, "-m", "tests.federation.run_sample_worker"], cwd=ROOT, env=env)
        wait_for(lambda: _consumer_count(amqp_url, inbox) == 1, timeout=30, message="the worker to consume")
        return process

    product_id = str(uuid.uuid4())
    event = new_event(
        "catalog.product.created",
        {**example_data("catalog.product.created"), "id": product_id, "name": "crash-once"},
        aggregate_id=product_id,
        aggregate_version=1,
    )
    first = start()
    try:
        publish_event(amqp_url, namespace, event)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        first.kill()
    assert marker.exists()
    with factory() as session:
        assert session.get(ProductCopy, product_id) is None

    second = start()
    try:
        wait_for(lambda: _copy_exists(factory, product_id), timeout=30, message="the redelivered event")
        with factory() as session:
            copy = session.get(ProductCopy, product_id)
            assert copy is not None and copy.handled_count == 1
            assert session.scalar(select(func.count()).select_from(InboxMessage)) == 1
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=15) == 0
    engine.dispose()
