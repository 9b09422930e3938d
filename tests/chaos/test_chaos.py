"""Chaos: steady writes in all three systems under faults, then every replica must equal its source.

The broker restarts and freezes, workers are SIGKILLed, and duplicates, stale versions and poison are injected.

Bounded by SCS_CHAOS_SECONDS of load (default 40; run longer with e.g. `SCS_CHAOS_SECONDS=300 python -m pytest
tests/chaos -s`). Prints a one-screen report and writes test-artifacts/chaos-report.json.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pika
import pytest
import requests
from sqlalchemy import select

from federation.db import make_engine, make_session_factory
from federation.dead_letters import list_dead_letters
from federation.runtime_models import OutboxMessage
from federation.topology import Names
from shared_contracts import Envelope, new_event, to_amqp
from shared_contracts.examples import example_data
from systems.order.orders.models import Order
from tests.chaos.broker import start_container_broker
from tests.chaos.convergence import compare
from tests.e2e.federation_processes import ROOT, Federation
from tests.e2e.journeys import PASSWORD, admin_headers, create_product, from_another_client, log_in

LOAD_SECONDS = float(os.environ.get("SCS_CHAOS_SECONDS", "40"))
CONVERGE_SECONDS = 180
PRODUCTS, CUSTOMERS, INITIAL_STOCK = 6, 4, 1000
MIN_WRITES = max(5, int(LOAD_SECONDS / 4))  # per system; a run on this machine accepts ten times as many

pytestmark = pytest.mark.timeout(int(LOAD_SECONDS) + CONVERGE_SECONDS + 300)


@pytest.fixture
def chaos_broker():
    """A broker of this test's own, so restarting it disturbs nobody else."""
    broker = start_container_broker()
    yield broker
    broker.remove()


class Load:
    """Writes in all three systems over HTTP at a steady pace, counting what each system answered."""

    def __init__(self, federation: Federation, admin: dict, customers: list[dict], products: list[str]) -> None:
        """Prepare the load on `federation` with these accounts and products; starting `thread` begins it."""
        self.federation, self.admin, self.customers, self.products = federation, admin, customers, products
        self.random = random.Random(42)
        self.statuses: Counter[str] = Counter()
        self.written_while_frozen: Counter[str] = Counter()  # 2xx per system while the broker was frozen
        self.broker_frozen = False
        self.failure: BaseException | None = None
        self.orders: list[tuple[dict, str]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                action = self.random.choice(
                    (self._change_price, self._register, self._rename, self._order, self._order, self._cancel)
                )
                try:
                    action()
                except requests.RequestException as error:
                    self.statuses[f"transport error {error.__class__.__name__}"] += 1
                self.stop.wait(0.05)
        except BaseException as error:  # the test fails on it, rather than on too few writes
            self.failure = error
            raise

    def _record(self, system: str, response: requests.Response) -> requests.Response:
        self.statuses[f"{system} {response.status_code // 100}xx"] += 1
        if self.broker_frozen and response.ok:
            self.written_while_frozen[system] += 1
        return response

    def written(self, system: str) -> int:
        """Writes the system accepted (2xx)."""
        return self.statuses[f"{system} 2xx"]

    def _change_price(self) -> None:
        product = self.random.choice(self.products)
        body = {"price_cents": self.random.randint(100, 9999)}
        self._record(
            "catalog",
            requests.patch(
                f"{self.federation.url('catalog')}/api/products/{product}", json=body, headers=self.admin, timeout=10
            ),
        )

    def _register(self) -> None:
        body = {"email": f"load-{uuid.uuid4().hex[:10]}@example.org", "password": PASSWORD, "display_name": "Load"}
        self._record(
            "user",
            requests.post(
                f"{self.federation.url('user')}/api/users", json=body, headers=from_another_client(), timeout=10
            ),
        )

    def _rename(self) -> None:
        body = {"display_name": f"Customer {self.random.randint(1, 10**6)}"}
        self._record(
            "user",
            requests.patch(
                f"{self.federation.url('user')}/api/users/me",
                json=body,
                headers=self.random.choice(self.customers),
                timeout=10,
            ),
        )

    def _order(self) -> None:
        customer = self.random.choice(self.customers)
        lines: list[dict[str, Any]] = [
            {"product_id": p, "quantity": self.random.randint(1, 3)} for p in self.random.sample(self.products, 2)
        ]
        response = self._record(
            "order",
            requests.post(
                f"{self.federation.url('order')}/api/orders", json={"lines": lines}, headers=customer, timeout=10
            ),
        )
        if response.status_code == 201:
            self.orders.append((customer, response.json()["id"]))

    def _cancel(self) -> None:
        if self.orders:
            customer, order_id = self.orders.pop(self.random.randrange(len(self.orders)))
            self._record(
                "order",
                requests.post(
                    f"{self.federation.url('order')}/api/orders/{order_id}/cancel",
                    json={},
                    headers=customer,
                    timeout=10,
                ),
            )


class Publisher:
    """Publishes straight to the exchanges, as a duplicating, failing-over or misbehaving producer would."""

    def __init__(self, amqp_url: str) -> None:
        """Connect, with publisher confirms."""
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def publish(self, exchange: str, routing_key: str, body: bytes, **properties) -> None:
        """One persistent message, confirmed by the broker."""
        self.channel.basic_publish(exchange, routing_key, body, pika.BasicProperties(delivery_mode=2, **properties))

    def publish_event(self, namespace: str, event: Envelope) -> None:
        """A well-formed event to its producer's exchange."""
        message = to_amqp(event)
        self.publish(
            Names(namespace).events_exchange(event.producer),
            message.routing_key,
            message.body,
            message_id=str(event.id),
            type=event.type,
        )

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


@dataclass
class Injected:
    """What the chaos published besides the load, to recognise its traces afterwards."""

    redelivered: Counter[str] = field(default_factory=Counter)  # per event type: the same message again
    republished: Counter[str] = field(default_factory=Counter)  # a new event id, the same version and state
    stale: Counter[str] = field(default_factory=Counter)  # a new event id, an older version
    copied_ids: set[str] = field(default_factory=set)  # the ids of the copies and of the events they copy
    poison: dict[str, set[str]] = field(default_factory=dict)  # per consuming system, the poison it must park

    def describe(self) -> list[str]:
        """The faults, for the report."""
        return [
            f"{sum(self.redelivered.values())} events delivered again with the same id: {dict(self.redelivered)}",
            f"{sum(self.republished.values())} re-published with a new id at the same version: {dict(self.republished)}",
            f"{sum(self.stale.values())} older versions under new ids: {dict(self.stale)}",
            f"{sum(map(len, self.poison.values()))} poison deliveries (malformed, unknown type, invalid data)",
        ]


def _inject_duplicates(federation: Federation, outboxes: list, injected: Injected, per_type: int = 6) -> None:
    """Every event type all three systems published, sent again in three ways.

    The same message (a redelivery, which the inbox drops), a new event id at the same version (a relay failover, a
    pruned inbox, a resync: only the state can tell) and an older version under a new id (out of order).
    """
    chance = random.Random(7)
    publisher = Publisher(federation.amqp_url)
    try:
        for session_factory in outboxes:
            with session_factory() as session:
                rows = session.scalars(
                    select(OutboxMessage).where(OutboxMessage.published_at.is_not(None)).order_by(OutboxMessage.seq)
                ).all()
            by_type: dict[str, list[OutboxMessage]] = {}
            for row in rows:
                by_type.setdefault(row.event_type, []).append(row)
            for event_type, of_type in sorted(by_type.items()):
                newest, older = of_type[-(per_type // 2) :], of_type[: -(per_type // 2)]
                # the newest rows are about aggregates still in play (e.g. orders not yet cancelled)
                for row in newest + chance.sample(older, min(per_type - len(newest), len(older))):
                    event = json.loads(row.body)
                    exchange = Names(federation.namespace).events_exchange(event["producer"])
                    publisher.publish(exchange, event_type, row.body.encode(), message_id=event["id"], type=event_type)
                    injected.redelivered[event_type] += 1
                    injected.copied_ids.add(event["id"])
                    versions = [event["aggregate_version"]]
                    if event["aggregate_version"] > 1:
                        versions.append(event["aggregate_version"] - 1)
                    for version in versions:
                        copy = new_event(
                            event_type, event["data"], aggregate_id=event["aggregate_id"], aggregate_version=version
                        )
                        publisher.publish_event(federation.namespace, copy)
                        injected.copied_ids.add(str(copy.id))
                        tally = injected.republished if version == event["aggregate_version"] else injected.stale
                        tally[event_type] += 1
    finally:
        publisher.close()


def _inject_poison(federation: Federation, injected: Injected) -> None:
    """Malformed, unknown-type and invalid messages, each with its own id to find it among the dead letters."""
    names, publisher = Names(federation.namespace), Publisher(federation.amqp_url)
    unknown = new_event(
        "order.placed", example_data("order.placed"), aggregate_id=str(uuid.uuid4()), aggregate_version=1
    )
    invalid = new_event(
        "user.registered", example_data("user.registered"), aggregate_id=str(uuid.uuid4()), aggregate_version=1
    )
    not_json = str(uuid.uuid4())
    try:
        publisher.publish(
            names.events_exchange("catalog"), "catalog.product.updated", b"{not json", message_id=not_json
        )
        publisher.publish(
            names.events_exchange("order"),
            "order.placed",
            to_amqp(unknown).body.replace(b'"order.placed"', b'"order.exploded"'),
            message_id=str(unknown.id),
        )
        publisher.publish(
            names.events_exchange("user"),
            "user.registered",
            to_amqp(invalid).body.replace(b'"email":"ada@example.org",', b""),
            message_id=str(invalid.id),
        )
    finally:
        publisher.close()
    # order copies catalog products and users; catalog copies users (its admins) and consumes order.placed, as user does
    injected.poison = {
        "order": {not_json, str(invalid.id)},
        "catalog": {str(unknown.id), str(invalid.id)},
        "user": {str(unknown.id)},
    }


def test_no_event_is_lost_doubled_or_regressed_under_chaos(tmp_path, chaos_broker, capsys):
    databases = {name: f"sqlite:///{tmp_path / (name + '.db')}" for name in ("user", "catalog", "order")}
    federation = Federation(
        data_dir=tmp_path / "var", namespace="chaos", amqp_url=chaos_broker.url, database_urls=databases
    )
    federation.start_all()
    factories = {name: make_session_factory(make_engine(url)) for name, url in databases.items()}
    faults: list[str] = []
    try:
        admin = admin_headers(federation)
        products = [
            create_product(federation, admin, stock=INITIAL_STOCK, name=f"Chaos product {i}") for i in range(PRODUCTS)
        ]
        customers = []
        for i in range(CUSTOMERS):
            email = f"chaos-{i}-{uuid.uuid4().hex[:6]}@example.org"
            requests.post(
                f"{federation.url('user')}/api/users",
                json={"email": email, "password": PASSWORD, "display_name": f"Chaos {i}"},
                headers=from_another_client(),
                timeout=10,
            )
            customers.append(log_in(federation, email))
        _await_copies(federation, products)

        load = Load(federation, admin, customers, products)
        load.thread.start()
        step = LOAD_SECONDS / 6
        time.sleep(step)
        for worker in ("catalog-worker", "order-worker"):
            federation.stop(worker, signal.SIGKILL)
            federation.start(worker)
            faults.append(f"SIGKILL {worker} under load, restarted")
        time.sleep(step)
        chaos_broker.restart()
        faults.append("broker restarted")
        time.sleep(step)
        chaos_broker.pause()
        load.broker_frozen = True
        time.sleep(min(10.0, step))
        load.broker_frozen = False
        chaos_broker.unpause()
        faults.append(
            f"broker frozen for {min(10.0, step):.0f}s while the web kept writing: {dict(load.written_while_frozen)}"
        )
        time.sleep(step)
        injected = Injected()
        _inject_duplicates(federation, [factories["user"], factories["catalog"], factories["order"]], injected)
        _inject_poison(federation, injected)
        faults += injected.describe()
        federation.stop("user-worker", signal.SIGKILL)
        federation.start("user-worker")
        faults.append("SIGKILL user-worker under load, restarted")
        time.sleep(step)
        load.stop.set()
        load.thread.join(15)

        load_stopped = time.monotonic()
        initial = {p: INITIAL_STOCK for p in products}
        while True:
            with factories["user"]() as user, factories["catalog"]() as catalog, factories["order"]() as order:
                result = compare(user, catalog, order, initial)
            if result.converged or time.monotonic() - load_stopped > CONVERGE_SECONDS:
                break
            time.sleep(0.5)
        converge_seconds = time.monotonic() - load_stopped

        dead_letters = {
            s: list_dead_letters(federation.amqp_url, Names(federation.namespace), s)
            for s in ("user", "catalog", "order")
        }
        with factories["user"]() as user, factories["catalog"]() as catalog, factories["order"]() as order:
            events_written = sum(len(s.scalars(select(OutboxMessage.seq)).all()) for s in (user, catalog, order))
            orders = Counter(order.scalars(select(Order.status)).all())
        report = {
            "load_seconds": LOAD_SECONDS,
            "requests": dict(load.statuses),
            "written_while_frozen": dict(load.written_while_frozen),
            "orders": dict(orders),
            "events_written": events_written,
            "faults": faults,
            "seconds_to_converge": round(converge_seconds, 1),
            **result.counts(),
            "dead_letters": {s: [letter.reason for letter in letters] for s, letters in dead_letters.items()},
        }
        _print_report(report, capsys)

        assert load.failure is None and not load.thread.is_alive(), f"the load died: {load.failure!r}"
        for system in ("user", "catalog", "order"):
            assert load.written(system) >= MIN_WRITES, f"{system} accepted too few writes: {load.statuses}"
            assert load.written_while_frozen[system] > 0, f"{system} accepted no write while the broker was frozen"
        assert orders["confirmed"] > 0, orders
        assert not [k for k in load.statuses if k.endswith("5xx") or k.startswith("transport")], load.statuses
        for event_type in ("order.placed", "order.confirmed", "order.cancelled", "catalog.stock.reserved"):
            assert injected.redelivered[event_type] and injected.republished[event_type], (event_type, injected)
        assert result.converged, json.dumps(asdict(result), indent=1)[:4000]
        for system, letters in dead_letters.items():
            assert all(letter.reason for letter in letters)
            parked = {letter.message_id for letter in letters}
            assert injected.poison[system] <= parked, (system, [letter.reason for letter in letters])
            # A copy of a stock answer (or the original, when its copy came first) is refused for a settled order:
            # not applied twice, but loudly; nothing else may be parked.
            others = [letter for letter in letters if letter.message_id not in injected.poison[system]]
            assert all(
                system == "order"
                and letter.event_type.startswith("catalog.stock.")
                and letter.message_id in injected.copied_ids
                and "no longer pending" in letter.reason
                for letter in others
            ), (system, [(letter.event_type, letter.reason) for letter in others])
    finally:
        federation.stop_all()


def _await_copies(federation: Federation, products: list[str]) -> None:
    """Start the chaos from a converged state: the order system knows every product."""
    from tests.e2e.journeys import copied_product

    for product in products:
        copied_product(federation, product)


def _print_report(report: dict, capsys) -> None:
    """One screen for the person running the suite, and a JSON file for the record."""
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    Path(artifacts / "chaos-report.json").write_text(json.dumps(report, indent=2))
    with capsys.disabled():
        print("\n=== chaos report ===")
        print(f"load: {report['load_seconds']:.0f}s, requests: {report['requests']}")
        print(f"events written: {report['events_written']}")
        for fault in report["faults"]:
            print(f"fault: {fault}")
        print(f"converged in {report['seconds_to_converge']}s; records compared: {report['records_compared']}")
        print(
            f"lost: {report['lost']}  regressed: {report['regressed']}  "
            f"doubled: {report['doubled']}  differing: {report['differing']}"
        )
        for system, reasons in report["dead_letters"].items():
            print(f"dead letters in {system}: {len(reasons)}" + "".join(f"\n  - {r[:110]}" for r in reasons))
