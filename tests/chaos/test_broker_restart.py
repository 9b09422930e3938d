"""A consumer keeps consuming after its broker restarts (its queue, bindings and consumer are restored)."""

from __future__ import annotations

import pytest

from tests.chaos.broker import start_container_broker
from tests.conftest import wait_for
from tests.federation.harness import (
    applied,
    product_event,
    publish_event,
    running_consumer,
    sample_database,
)
from tests.federation.sample_system import SAMPLE


@pytest.fixture
def broker():
    """A broker of this test's own, to restart."""
    container = start_container_broker()
    yield container
    container.remove()


@pytest.fixture
def session_factory(sqlite_url):
    """The sample system's tables on SQLite."""
    with sample_database(sqlite_url) as factory:
        yield factory


def test_the_consumer_resumes_after_a_broker_restart(broker, session_factory):
    with running_consumer(system=SAMPLE, amqp_url=broker.url, namespace="restart", session_factory=session_factory):
        before = product_event(1)
        publish_event(broker.url, "restart", before)
        wait_for(lambda: applied(session_factory, before), message="the event before the restart")
        broker.restart()
        after = product_event(1)
        publish_event(broker.url, "restart", after)
        wait_for(lambda: applied(session_factory, after), timeout=45, message="the event after the restart")
