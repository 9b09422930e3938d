"""A worker SIGKILLed before it acks gets the message again and applies it exactly once, in both windows.

Killed before the transaction committed (nothing stored), or after it committed and before the ack (the effect
stored): there the inbox drops the redelivery, and with the inbox row pruned the version guard keeps it to one change.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from federation.db import make_engine, make_session_factory
from federation.runtime_models import InboxMessage, RuntimeBase
from federation.topology import Names
from shared_contracts import Envelope, new_event
from shared_contracts.examples import example_data
from tests.conftest import TEST_RETRY_DELAYS_MS, wait_for
from tests.federation.harness import publish_event
from tests.federation.sample_system import ProductCopy, SampleBase

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrashRig:
    """The sample system's database and a way to start its worker as a process of its own, logging to a file."""

    tmp_path: Path
    amqp_url: str
    namespace: str
    session_factory: sessionmaker[Session]
    env: dict[str, str]

    @property
    def marker(self) -> Path:
        """Written by the worker just before it SIGKILLs itself."""
        return Path(self.env["SAMPLE_CRASH_MARKER"])

    def start(self, log_name: str) -> subprocess.Popen:
        """Start a worker and wait until it consumes from the inbox queue."""
        log = open(self.tmp_path / log_name, "ab")  # noqa: SIM115 (the child process writes it)
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.federation.run_sample_worker"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        inbox = Names(self.namespace).inbox_queue("sample")
        wait_for(lambda: _consumer_count(self.amqp_url, inbox) == 1, timeout=30, message="the worker to consume")
        return process

    def log(self, log_name: str) -> str:
        """What a worker wrote."""
        return (self.tmp_path / log_name).read_text(errors="replace")

    def copy(self, product_id: str) -> ProductCopy | None:
        """The sample system's copy of the product."""
        with self.session_factory() as session:
            return session.get(ProductCopy, product_id)

    def inbox_rows(self) -> int:
        """Events recorded as processed."""
        with self.session_factory() as session:
            return session.scalar(select(func.count()).select_from(InboxMessage)) or 0

    def crash_on(self, event: Envelope) -> None:
        """Publish the event to a fresh worker and see the worker kill itself on it."""
        worker = self.start("first.log")
        try:
            publish_event(self.amqp_url, self.namespace, event)
            assert worker.wait(timeout=30) == -signal.SIGKILL
        finally:
            worker.kill()
        assert self.marker.exists()

    def redelivered(self, event: Envelope) -> str:
        """Start a second worker, wait until it has handled the broker's redelivery, stop it; its log."""
        worker = self.start("second.log")
        try:
            wait_for(
                lambda: f"catalog.product.created {event.id}" in self.log("second.log"),
                timeout=30,
                message="the redelivered event handled by the second worker",
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=15) == 0
        return self.log("second.log")


@pytest.fixture
def rig(tmp_path, sqlite_url, amqp_url, namespace):
    """A crash rig on a fresh SQLite database."""
    engine = make_engine(sqlite_url)
    SampleBase.metadata.create_all(engine)
    RuntimeBase.metadata.create_all(engine)
    env = {
        **os.environ,
        "SCS_SAMPLE_DATABASE_URL": sqlite_url,
        "SCS_AMQP_URL": amqp_url,
        "SCS_NAMESPACE": namespace,
        "SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)),
        "SCS_DATA_DIR": str(tmp_path),
        "SAMPLE_CRASH_MARKER": str(tmp_path / "crashed"),
    }
    yield CrashRig(tmp_path, amqp_url, namespace, make_session_factory(engine), env)
    engine.dispose()


def _product_created(name: str) -> Envelope:
    product_id = str(uuid.uuid4())
    data = {**example_data("catalog.product.created"), "id": product_id, "name": name}
    return new_event("catalog.product.created", data, aggregate_id=product_id, aggregate_version=1)


def _consumer_count(amqp_url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.consumer_count
    except ChannelClosedByBroker:  # not declared yet
        return 0
    finally:
        if connection.is_open:
            connection.close()


def test_killed_before_the_commit_redelivers_and_applies_once(rig):
    event = _product_created("crash-once")
    rig.crash_on(event)
    assert rig.copy(event.aggregate_id) is None and rig.inbox_rows() == 0

    log = rig.redelivered(event)
    assert f"applied catalog.product.created {event.id}" in log
    copy = rig.copy(event.aggregate_id)
    assert copy is not None and copy.handled_count == 1
    assert rig.inbox_rows() == 1


def test_killed_after_the_commit_before_the_ack_the_inbox_drops_the_redelivery(rig):
    event = _product_created("crash-after-commit")
    rig.crash_on(event)
    stored = rig.copy(event.aggregate_id)
    assert stored is not None and stored.handled_count == 1, "the effect committed before the worker died"
    assert rig.inbox_rows() == 1

    log = rig.redelivered(event)
    assert f"duplicate catalog.product.created {event.id}" in log, "the broker redelivered it; the inbox knew it"
    copy = rig.copy(event.aggregate_id)
    assert copy is not None and copy.handled_count == 1, "the handler never ran a second time"


def test_killed_after_the_commit_with_its_inbox_row_pruned_the_version_guard_applies_it_once(rig):
    event = _product_created("crash-after-commit")
    rig.crash_on(event)
    with rig.session_factory() as session:  # what `scs prune` does once the row is older than the inbox retention
        session.execute(delete(InboxMessage))
        session.commit()

    log = rig.redelivered(event)
    assert f"applied catalog.product.created {event.id}" in log, "without its inbox row the event is handled again"
    copy = rig.copy(event.aggregate_id)
    assert copy is not None and copy.handled_count == 2
    assert (copy.changed_count, copy.aggregate_version, copy.name) == (1, 1, "crash-after-commit")
