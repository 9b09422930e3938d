"""The end-to-end tier: the three systems running as processes against the real broker."""

from __future__ import annotations

import pytest

from tests.e2e.federation_processes import Federation


@pytest.fixture
def federation(tmp_path, namespace, amqp_url):
    """All three systems up (web + worker each), SQLite databases in a temporary data directory."""
    running = Federation(data_dir=tmp_path / "var", namespace=namespace, amqp_url=amqp_url)
    running.start_all()
    yield running
    running.stop_all()
