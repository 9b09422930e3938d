"""Several broker addresses (the nodes of a cluster) in SCS_AMQP_URL: checked at start, tried in turn, left when they go.

The nodes here are local ports forwarding to the one test broker (tests/federation/tcp_proxy.py): stopping one
cuts its connections the way a stopped node does. tests/cluster runs the same code against a real three-node cluster.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import uuid

import pika
import pytest

from federation import outbox
from federation.broker_urls import BrokerUrlError, parse, pika_parameters
from federation.outbox import outbox_backlog
from federation.relay import OutboxRelay
from federation.runtime_models import RuntimeBase
from federation.settings import Settings
from federation.topology import Names, Subscription, publisher_declaration
from federation.web import create_system_app
from shared_contracts.examples import example_data
from tests.conftest import TEST_RETRY_DELAYS_MS, wait_for
from tests.e2e.federation_processes import ROOT, free_port
from tests.federation.harness import applied, product_event, publish_event, running_consumer
from tests.federation.sample_system import SAMPLE
from tests.federation.tcp_proxy import TcpProxy
from tests.federation.web_sample import WEB_SAMPLE


def _dead_node() -> str:
    """The URL of a port nobody listens on."""
    return f"amqp://guest:guest@127.0.0.1:{free_port()}/"


@pytest.fixture
def nodes(amqp_url):
    """Two stand-in broker nodes in front of the test broker, both up."""
    proxies = [TcpProxy(amqp_url).start(), TcpProxy(amqp_url).start()]
    yield proxies
    for proxy in proxies:
        proxy.close()


def test_one_url_is_a_list_of_one_and_several_keep_their_order():
    single = "amqp://guest:guest@localhost:5672/"
    assert parse(single) == (single,)
    cluster = "amqp://u:p@rabbitmq-1:5672/, amqp://u:p@rabbitmq-2:5672/,amqps://u:p@rabbitmq-3/%2F?heartbeat=30"
    assert parse(cluster) == (
        "amqp://u:p@rabbitmq-1:5672/",
        "amqp://u:p@rabbitmq-2:5672/",
        "amqps://u:p@rabbitmq-3/%2F?heartbeat=30",
    )
    assert Settings.from_env("order", {"SCS_ORDER_AMQP_URL": cluster}).amqp_url == cluster


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("amqp//rabbitmq-2:5672/", "is not an amqp:// or amqps:// URL"),
        ("http://rabbitmq-2:5672/", "is not an amqp:// or amqps:// URL"),
        ("amqp://u:p@rabbitmq-2:99999/", "has a port that is not a number"),
        ("amqp://u:p@rabbitmq-2:abc/", "has a port that is not a number"),
        ("amqp://u:p@:5672/", "names no host"),
        ("", "is empty"),
        ("amqp://u:p@rabbitmq-2/?heartbeat=soon", "has an option pika refuses"),
    ],
)
def test_a_malformed_entry_is_named_without_its_password(entry, problem):
    with pytest.raises(BrokerUrlError) as raised:
        parse(f"amqp://user:s3cret@rabbitmq-1:5672/,{entry}", "SCS_ORDER_AMQP_URL")
    message = str(raised.value)
    assert message.startswith("SCS_ORDER_AMQP_URL: entry 2 of 2 (") and problem in message, message
    assert "s3cret" not in message and "\n" not in message


@pytest.mark.parametrize("command", [["worker", "catalog"], ["web", "catalog"], ["status"], ["dlq", "list", "catalog"]])
def test_a_process_given_a_malformed_entry_stops_at_start_with_one_line_naming_it(tmp_path, command):
    env = {
        "PATH": "/usr/bin:/bin",
        "SCS_DATA_DIR": str(tmp_path),
        "SCS_AMQP_URL": "amqp://catalog:s3cret@127.0.0.1:5672/,amqp://catalog:s3cret@rabbitmq-2:5672:5672/",
    }
    result = subprocess.run(
        [sys.executable, "-m", "federation.cli", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: SCS_AMQP_URL: entry 2 of 2 ('amqp://catalog:***@rabbitmq-2:5672:5672/') "
        "has a port that is not a number from 1 to 65535"
    ]


def test_pika_tries_the_nodes_in_turn(amqp_url):
    connection = pika.BlockingConnection(pika_parameters(f"{_dead_node()},{amqp_url}"))
    try:
        assert connection.is_open
    finally:
        connection.close()


def test_the_consumer_starts_on_the_first_live_node_and_moves_to_the_next_when_its_node_goes(
    session_factory, amqp_url, namespace, nodes, caplog
):
    caplog.set_level(logging.INFO, logger="federation.broker_failover")
    first, second = nodes
    urls = f"{_dead_node()},{first.url},{second.url}"
    with running_consumer(system=SAMPLE, amqp_url=urls, namespace=namespace, session_factory=session_factory):
        assert f"consumer sample: connected to broker node 127.0.0.1:{first.port}" in caplog.text
        before = product_event(1)
        publish_event(amqp_url, namespace, before)
        wait_for(lambda: applied(session_factory, before), message="the event through the first node")

        first.stop()  # the consumer's node goes
        wait_for(
            lambda: f"consumer sample: connected to broker node 127.0.0.1:{second.port}" in caplog.text,
            timeout=30,
            message="the consumer on the second node",
        )
        after = product_event(1)
        publish_event(amqp_url, namespace, after)
        wait_for(lambda: applied(session_factory, after), timeout=30, message="the event through the second node")


def _write(session_factory, count: int) -> None:
    for _ in range(count):
        product_id = str(uuid.uuid4())
        with session_factory() as session:
            data = {**example_data("catalog.product.updated"), "id": product_id}
            outbox.add(session, "catalog.product.updated", data, aggregate_id=product_id, aggregate_version=1)
            session.commit()


def _backlog(session_factory) -> int:
    with session_factory() as session:
        return outbox_backlog(session)


def test_the_relay_retries_with_backoff_while_no_node_answers_then_follows_the_live_node(
    session_factory, amqp_url, namespace, caplog
):
    caplog.set_level(logging.INFO, logger="federation")
    first, second = TcpProxy(amqp_url), TcpProxy(amqp_url)  # neither listens yet
    names = Names(namespace)
    relay = OutboxRelay(
        amqp_url=f"{first.url},{second.url}",
        names=names,
        declaration=publisher_declaration(
            names, "catalog", [Subscription("sample", ["catalog.product.updated"])], TEST_RETRY_DELAYS_MS
        ),
        session_factory=session_factory,
    )
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    _write(session_factory, 3)
    thread.start()
    try:
        wait_for(lambda: "retrying in 2.0s" in caplog.text, timeout=30, message="the relay to back off")
        assert "retrying in 0.5s" in caplog.text and "retrying in 1.0s" in caplog.text
        assert f"no broker node accepted a connection (127.0.0.1:{first.port}: " in caplog.text
        assert _backlog(session_factory) == 3, "nothing is marked published while no node answers"

        second.start()
        wait_for(lambda: _backlog(session_factory) == 0, timeout=30, message="the backlog through the second node")
        assert f"relay: connected to broker node 127.0.0.1:{second.port}" in caplog.text

        first.start()
        second.stop()  # the relay's node goes: it moves to the one that is up
        _write(session_factory, 2)
        wait_for(lambda: _backlog(session_factory) == 0, timeout=60, message="the backlog through the first node")
        assert f"relay: connected to broker node 127.0.0.1:{first.port}" in caplog.text
    finally:
        stop.set()
        thread.join(15)
        first.close()
        second.close()


def test_with_no_node_reachable_the_web_answers_and_readyz_says_why(data_dir, sqlite_url):
    dead = [_dead_node(), _dead_node()]
    app = create_system_app(
        WEB_SAMPLE,
        {"SCS_DATA_DIR": str(data_dir), "SCS_CATALOG_DATABASE_URL": sqlite_url, "SCS_AMQP_URL": ",".join(dead)},
    )
    RuntimeBase.metadata.create_all(app.extensions["scs"].engine)
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json is not None
    assert ready.json["checks"] == {"database": True, "broker": False, "outbox": True}
    reason = ready.json["reasons"]["broker"]
    assert reason.startswith("no broker node accepts connections (") and reason.count("refused") == 2, reason
    assert client.get("/healthz").status_code == 200
    missing = client.get("/api/things/42")  # the app itself keeps answering
    assert missing.status_code == 404 and missing.json is not None and missing.json["error"]["code"] == "not_found"
