"""Node loss under load: the three systems on the three-node cluster of docker-compose.cluster.yml lose one node, then two.

The chaos suite's steady writes run in all three systems (tests/chaos: `Load`, `compare`), the systems run as
processes on the host with their least-privilege broker users and the node list of SCS_<SYSTEM>_AMQP_URL. One
node is stopped and started again; then two are (the majority lost: the survivor pauses, publishing waits in the
outboxes while the web keeps answering), and brought back. At the end every replica must equal its source: lost
0, regressed 0, doubled 0. The report (printed, and test-artifacts/cluster-chaos-report.json) has the time from
the majority's return to convergence.

Bounded by SCS_CLUSTER_CHAOS_SECONDS (default 36), the load's pauses between faults; stopping and starting
nodes adds its own time (here about 3 minutes of load; 12 with building the image and forming the cluster).
Needs a Docker engine (skipped locally without one, failed in CI). Alone: `python -m pytest -m cluster -s`.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select

from federation.db import make_engine, make_session_factory
from federation.outbox import outbox_backlog
from federation.runtime_models import InboxMessage, OutboxMessage
from tests.chaos.convergence import compare
from tests.chaos.test_chaos import Load
from tests.cluster.cluster import NODE_NAMES, NODES, ComposeCluster
from tests.e2e.federation_processes import ROOT, Federation
from tests.e2e.journeys import PASSWORD, admin_headers, copied_product, create_product, from_another_client, log_in
from tests.prerequisites import require_docker

LOAD_SECONDS = float(os.environ.get("SCS_CLUSTER_CHAOS_SECONDS", "36"))
CONVERGE_SECONDS = 180
PRODUCTS, CUSTOMERS, INITIAL_STOCK = 4, 3, 1000
SYSTEMS = ("user", "catalog", "order")
# Each system starts at another node, as in docker-compose.cluster.yml.
NODE_ORDER = {
    "user": ("rabbitmq", "rabbitmq-2", "rabbitmq-3"),
    "catalog": ("rabbitmq-2", "rabbitmq-3", "rabbitmq"),
    "order": ("rabbitmq-3", "rabbitmq", "rabbitmq-2"),
}

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def cluster():
    """The cluster under a project name of its own; always torn down, its logs kept in test-artifacts/."""
    require_docker(compose=True)
    running = ComposeCluster()
    try:
        running.up()
        yield running
    finally:
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / "cluster.log").write_text(running.logs())
        running.down()


def test_inbox_dead_letter_and_delay_queues_are_quorum_queues_on_all_three_nodes(cluster):
    queues = {queue["name"]: queue for queue in cluster.queues()}
    expected = [f"{system}.inbox" for system in SYSTEMS] + [f"{system}.dlq" for system in SYSTEMS]
    expected += [name for name in queues if ".retry." in name]
    assert len(expected) > 6, sorted(queues)
    for name in expected:
        assert queues[name]["type"] == "quorum", queues[name]
        assert sorted(queues[name]["members"]) == sorted(NODE_NAMES.values()), queues[name]


def test_no_event_is_lost_doubled_or_regressed_when_nodes_and_then_the_majority_go(cluster, tmp_path, capsys):
    databases = {name: f"sqlite:///{tmp_path / (name + '.db')}" for name in SYSTEMS}
    federation = Federation(
        data_dir=tmp_path / "var",
        namespace="",  # the generated definitions hold the topology without a namespace, as in compose
        amqp_url=cluster.url("admin"),
        database_urls=databases,
        extra_env={
            "SCS_TOPOLOGY": "verify",
            "SCS_RETRY_DELAYS_MS": "1000,5000,30000",  # the delays the definitions were generated with
            **{f"SCS_{s.upper()}_AMQP_URL": cluster.url(s, NODE_ORDER[s]) for s in SYSTEMS},
        },
    )
    factories = {name: make_session_factory(make_engine(url)) for name, url in databases.items()}
    timeline: list[str] = []
    started = time.monotonic()

    def note(event: str) -> None:
        timeline.append(f"{time.monotonic() - started:6.1f}s {event}")

    federation.start_all()
    try:
        admin = admin_headers(federation)
        products = [
            create_product(federation, admin, INITIAL_STOCK, name=f"Cluster product {i}") for i in range(PRODUCTS)
        ]
        customers = []
        for i in range(CUSTOMERS):
            email = f"cluster-{i}-{uuid.uuid4().hex[:6]}@example.org"
            body = {"email": email, "password": PASSWORD, "display_name": f"Cluster {i}"}
            requests.post(f"{federation.url('user')}/api/users", json=body, headers=from_another_client(), timeout=10)
            customers.append(log_in(federation, email))
        for product in products:
            copied_product(federation, product)

        load = Load(federation, admin, customers, products)
        load.thread.start()
        load_started = time.monotonic()
        step = LOAD_SECONDS / 4
        note("load started")
        time.sleep(step)

        cluster.stop("rabbitmq-2")
        one_down = datetime.now(UTC)
        note("rabbitmq-2 stopped (catalog's first node)")
        time.sleep(step)
        published_one_down, applied_one_down = _moved_since(factories, one_down)
        cluster.start("rabbitmq-2")
        cluster.await_running(3)
        note("rabbitmq-2 back in the cluster")
        time.sleep(step)

        cluster.stop("rabbitmq", "rabbitmq-3")
        note("rabbitmq and rabbitmq-3 stopped: majority lost, rabbitmq-2 pauses")
        time.sleep(step)
        requests_before = sum(load.statuses.values())
        time.sleep(step)
        answered_without_majority = sum(load.statuses.values()) - requests_before
        backlog_without_majority = _backlog(factories)
        cluster.start("rabbitmq", "rabbitmq-3")
        majority_back = time.monotonic()
        note(f"rabbitmq and rabbitmq-3 started; outbox backlog then {backlog_without_majority}")
        cluster.await_running(3)
        nodes_back = time.monotonic()
        note("all three nodes running")
        time.sleep(step)
        load.stop.set()
        load.thread.join(15)
        load_seconds = time.monotonic() - load_started
        note("load stopped")

        initial = {p: INITIAL_STOCK for p in products}
        while True:
            with factories["user"]() as user, factories["catalog"]() as catalog, factories["order"]() as order:
                result = compare(user, catalog, order, initial)
            if result.converged or time.monotonic() - majority_back > CONVERGE_SECONDS:
                break
            time.sleep(0.5)
        converged_at = time.monotonic()
        note("converged" if result.converged else "NOT converged")

        queues = {queue["name"]: queue for queue in cluster.queues()}
        with factories["user"]() as user, factories["catalog"]() as catalog, factories["order"]() as order:
            events_written = sum(len(s.scalars(select(OutboxMessage.seq)).all()) for s in (user, catalog, order))
        report = {
            "load_seconds": round(load_seconds, 1),
            "requests": dict(load.statuses),
            "events_published_and_applied_with_one_node_down": [published_one_down, applied_one_down],
            "requests_answered_without_majority": answered_without_majority,
            "outbox_backlog_without_majority": backlog_without_majority,
            "events_written": events_written,
            "timeline": timeline,
            "seconds_nodes_took_to_run_again": round(nodes_back - majority_back, 1),
            "seconds_from_majority_return_to_convergence": round(converged_at - majority_back, 1),
            **result.counts(),
            "nodes_switched": _switches(federation),
        }
        _print_report(report, capsys)
        assert result.converged, json.dumps(asdict(result), indent=1)[:4000]
        assert not [k for k in load.statuses if k.endswith("5xx") or k.startswith("transport")], load.statuses
        assert published_one_down > 0 and applied_one_down > 0, "events kept flowing with one node down"
        assert answered_without_majority > 0, "the web kept answering while the majority was gone"
        assert backlog_without_majority > 0, "publishing paused (events waited in the outboxes) without a majority"
        for system in SYSTEMS:
            inbox = queues[f"{system}.inbox"]
            assert sorted(inbox["online"]) == sorted(NODE_NAMES[node] for node in NODES), inbox
    finally:
        federation.stop_all()


def _backlog(factories) -> int:
    """Unpublished events in all three outboxes."""
    total = 0
    for factory in factories.values():
        with factory() as session:
            total += outbox_backlog(session)
    return total


def _moved_since(factories, moment: datetime) -> tuple[int, int]:
    """Events published (all outboxes) and applied (all inboxes) since `moment`."""
    published = applied = 0
    for factory in factories.values():
        with factory() as session:
            published += len(
                [at for at in session.scalars(select(OutboxMessage.published_at)) if at and _aware(at) >= moment]
            )
            applied += len([at for at in session.scalars(select(InboxMessage.processed_at)) if _aware(at) >= moment])
    return published, applied


def _aware(moment: datetime) -> datetime:
    """SQLite hands stored UTC timestamps back without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _switches(federation: Federation) -> dict[str, int]:
    """How often each worker connected to a broker node (its relay and its consumer; more than 2 = it moved)."""
    return {
        f"{system}-worker": federation.log(f"{system}-worker").count("connected to broker node") for system in SYSTEMS
    }


def _print_report(report: dict, capsys) -> None:
    """One screen for the person running the test, and a JSON file for the record."""
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "cluster-chaos-report.json").write_text(json.dumps(report, indent=2))
    with capsys.disabled():
        print("\n=== cluster chaos report ===")
        print(f"load: {report['load_seconds']}s, requests: {report['requests']}")
        print(f"events written: {report['events_written']}")
        for line in report["timeline"]:
            print(f"  {line}")
        print(f"with one node down: published, applied {report['events_published_and_applied_with_one_node_down']}")
        print(
            f"without a majority: {report['requests_answered_without_majority']} requests answered, "
            f"outbox backlog {report['outbox_backlog_without_majority']}"
        )
        print(
            f"majority back -> all nodes running {report['seconds_nodes_took_to_run_again']}s, "
            f"-> converged {report['seconds_from_majority_return_to_convergence']}s"
        )
        print(f"broker connections per worker: {report['nodes_switched']}")
        print(
            f"records compared: {report['records_compared']}; lost: {report['lost']}  regressed: "
            f"{report['regressed']}  doubled: {report['doubled']}  differing: {report['differing']}"
        )
