"""Fixtures of the runtime tests: a database with the sample system's tables and its consumer running."""

from __future__ import annotations

import pytest

from tests.federation.harness import running_consumer, sample_database
from tests.federation.sample_system import SAMPLE


@pytest.fixture
def session_factory(database_url):
    """Sessions on a fresh database holding the sample system's and the runtime's tables."""
    with sample_database(database_url) as factory:
        yield factory


@pytest.fixture
def consumer(session_factory, amqp_url, namespace):
    """The sample system's consumer, running in a background thread."""
    with running_consumer(
        system=SAMPLE, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory
    ) as running:
        yield running
