"""Fixtures of the runtime tests: a database with the sample system's tables and its consumer running."""

from __future__ import annotations

import pytest

from federation.db import make_engine, make_session_factory
from federation.runtime_models import RuntimeBase
from tests.federation.harness import running_consumer
from tests.federation.sample_system import SAMPLE, SampleBase


@pytest.fixture
def session_factory(database_url):
    """Sessions on a fresh database holding the sample system's and the runtime's tables."""
    engine = make_engine(database_url)
    SampleBase.metadata.create_all(engine)
    RuntimeBase.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def consumer(session_factory, amqp_url, namespace):
    """The sample system's consumer, running in a background thread."""
    with running_consumer(system=SAMPLE, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory) as running:
        yield running
