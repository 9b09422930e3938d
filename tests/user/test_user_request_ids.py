"""Issue 22, finding 1: an anonymous registration with a hostile X-Request-ID cannot jam the user system's event flow."""

from __future__ import annotations

from federation.outbox import outbox_backlog
from federation.outbox_parking import count_parked
from federation.systems import load_systems
from federation.topology import Names
from federation.worker import build_relay, subscriptions_of
from shared_contracts import from_amqp
from shared_contracts.user import UserState
from systems.user.system import SYSTEM
from tests.conftest import TEST_RETRY_DELAYS_MS
from tests.federation.harness import drain_queue
from tests.user.support import PASSWORD, migrated_app


def test_a_registration_with_200_accented_letters_as_request_id_is_published_and_the_rows_behind_it_flow(
    data_dir, sqlite_url, amqp_url, namespace
):
    app = migrated_app(
        data_dir,
        sqlite_url,
        SCS_AMQP_URL=amqp_url,
        SCS_NAMESPACE=namespace,
        SCS_RETRY_DELAYS_MS=",".join(map(str, TEST_RETRY_DELAYS_MS)),
    )
    client = app.test_client()
    hostile = client.post(  # 200 characters, 400 bytes of UTF-8: over AMQP's 255 for correlation_id
        "/api/users",
        json={"email": "eve@example.org", "password": PASSWORD, "display_name": "Eve"},
        headers={"X-Request-ID": "é" * 200},
    )
    assert hostile.status_code == 201
    assert hostile.headers["X-Request-ID"] != "é" * 200  # validated at entry: a fresh id instead
    behind = client.post("/api/users", json={"email": "bob@example.org", "password": PASSWORD, "display_name": "Bob"})
    assert behind.status_code == 201

    runtime = app.extensions["scs"]
    relay = build_relay(SYSTEM, runtime.settings, runtime.session_factory, subscriptions_of(load_systems()))
    try:
        assert relay.publish_pending(until_empty=True) == 2
    finally:
        relay.close()
    with runtime.session_factory() as session:
        assert outbox_backlog(session) == 0 and count_parked(session) == 0

    delivered = drain_queue(amqp_url, Names(namespace).inbox_queue("order"))  # the order system copies customers
    events = [from_amqp(body, {"message_id": p.message_id, "type": p.type}) for p, body in delivered]
    assert [(e.type, e.data_as(UserState).email) for e in events] == [
        ("user.registered", "eve@example.org"),
        ("user.registered", "bob@example.org"),
    ]
    assert events[0].correlation_id == hostile.headers["X-Request-ID"] == delivered[0][0].correlation_id
    runtime.engine.dispose()
