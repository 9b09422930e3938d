"""Operators list, replay and discard dead letters; listing leaves them in place, replay applies them once fixed."""

from __future__ import annotations

import pytest

from federation.dead_letters import discard, list_dead_letters, replay
from federation.topology import Names
from tests.conftest import wait_for
from tests.federation.harness import (
    applied,
    copy_of,
    product_event,
    publish_event,
    queue_depth,
)


@pytest.fixture(params=["sqlite"])
def database_url(request, sqlite_url):
    """The dead-letter tooling is broker-side; one database kind is enough."""
    return sqlite_url


def test_list_replay_and_discard(consumer, session_factory, amqp_url, namespace, tmp_path, monkeypatch):
    fixed = tmp_path / "fixed"
    monkeypatch.setenv("SAMPLE_FIXED_MARKER", str(fixed))
    names = Names(namespace)
    broken, refused = product_event(1, name="fails-until-fixed"), product_event(1, name="reject-me")
    publish_event(amqp_url, namespace, broken)
    publish_event(amqp_url, namespace, refused)
    wait_for(
        lambda: queue_depth(amqp_url, names.dead_letter_queue("sample")) == 2, timeout=20, message="two dead letters"
    )

    letters = {letter.message_id: letter for letter in list_dead_letters(amqp_url, names, "sample")}
    assert set(letters) == {str(broken.id), str(refused.id)}
    assert "not fixed yet" in letters[str(broken.id)].reason
    assert letters[str(refused.id)].event_type == "catalog.product.updated"
    assert queue_depth(amqp_url, names.dead_letter_queue("sample")) == 2, "listing must not consume"

    fixed.write_text("the bug is fixed")
    assert [letter.message_id for letter in replay(amqp_url, names, "sample", [str(broken.id)])] == [str(broken.id)]
    wait_for(lambda: applied(session_factory, broken), message="the replayed event")
    copy = copy_of(session_factory, broken.aggregate_id)
    assert copy is not None and copy.handled_count == 1

    assert [letter.message_id for letter in discard(amqp_url, names, "sample", [str(refused.id)])] == [str(refused.id)]
    assert queue_depth(amqp_url, names.dead_letter_queue("sample")) == 0
    assert discard(amqp_url, names, "sample", ["no-such-id"]) == []
