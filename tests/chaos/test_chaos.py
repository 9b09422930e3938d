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
from dataclasses import asdict
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
from shared_contracts import new_event, to_amqp
from shared_contracts.examples import example_data
from tests.chaos.broker import start_container_broker
from tests.chaos.convergence import compare
from tests.e2e.federation_processes import ROOT, Federation
from tests.e2e.journeys import PASSWORD, admin_headers, create_product, log_in

LOAD_SECONDS = float(os.environ.get("SCS_CHAOS_SECONDS", "40"))
CONVERGE_SECONDS = 180
PRODUCTS, CUSTOMERS, INITIAL_STOCK = 6, 4, 1000

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
        self.orders: list[tuple[dict, str]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            action = self.random.choice(
                (self._change_price, self._register, self._rename, self._order, self._order, self._cancel)
            )
            try:
                action()
            except requests.RequestException as error:
                self.statuses[f"transport error {error.__class__.__name__}"] += 1
            self.stop.wait(0.05)

    def _record(self, system: str, response: requests.Response) -> requests.Response:
        self.statuses[f"{system} {response.status_code // 100}xx"] += 1
        return response

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
        self._record("user", requests.post(f"{self.federation.url('user')}/api/users", json=body, timeout=10))

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


def _publish_raw(amqp_url: str, exchange: str, routing_key: str, body: bytes, **properties) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(exchange, routing_key, body, pika.BasicProperties(delivery_mode=2, **properties))
    finally:
        connection.close()


def _inject_stale_and_duplicate_events(federation: Federation, catalog_db, user_db) -> int:
    """Re-publish real events (same ids: duplicates) and older versions of them (new ids: out of order)."""
    names, count = Names(federation.namespace), 0
    for session_factory in (catalog_db, user_db):
        with session_factory() as session:
            rows = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.published_at.is_not(None), OutboxMessage.event_type.not_like("%stock%")
                )
            ).all()
        for row in random.Random(7).sample(rows, min(25, len(rows))):
            event = json.loads(row.body)
            _publish_raw(
                federation.amqp_url,
                names.events_exchange(event["producer"]),
                event["type"],
                row.body.encode(),
                message_id=event["id"],
                type=event["type"],
            )
            stale = new_event(
                event["type"],
                event["data"],
                aggregate_id=event["aggregate_id"],
                aggregate_version=event["aggregate_version"],
            )
            message = to_amqp(stale)
            if event["aggregate_version"] > 1:  # an older version under a new id, after the newer ones went out
                stale = new_event(
                    event["type"],
                    event["data"],
                    aggregate_id=event["aggregate_id"],
                    aggregate_version=event["aggregate_version"] - 1,
                )
                message = to_amqp(stale)
            _publish_raw(
                federation.amqp_url,
                names.events_exchange(event["producer"]),
                message.routing_key,
                message.body,
                message_id=str(stale.id),
                type=stale.type,
            )
            count += 2
    return count


def _inject_poison(federation: Federation) -> dict[str, int]:
    """Malformed, unknown-type and invalid messages; returns how many each system must dead-letter."""
    names = Names(federation.namespace)
    _publish_raw(federation.amqp_url, names.events_exchange("catalog"), "catalog.product.updated", b"{not json")
    unknown = to_amqp(
        new_event("order.placed", example_data("order.placed"), aggregate_id=str(uuid.uuid4()), aggregate_version=1)
    )
    _publish_raw(
        federation.amqp_url,
        names.events_exchange("order"),
        "order.placed",
        unknown.body.replace(b'"order.placed"', b'"order.exploded"'),
    )
    invalid = to_amqp(
        new_event(
            "user.registered", example_data("user.registered"), aggregate_id=str(uuid.uuid4()), aggregate_version=1
        )
    )
    _publish_raw(
        federation.amqp_url,
        names.events_exchange("user"),
        "user.registered",
        invalid.body.replace(b'"email":"ada@example.org",', b""),
    )
    return {"order": 2, "catalog": 1, "user": 1}


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
        time.sleep(min(10.0, step))
        chaos_broker.unpause()
        faults.append(f"broker unreachable for {min(10.0, step):.0f}s while the web kept writing")
        time.sleep(step)
        injected = _inject_stale_and_duplicate_events(federation, factories["catalog"], factories["user"])
        faults.append(f"{injected} duplicate and stale-version events published to the exchanges")
        expected_dead_letters = _inject_poison(federation)
        faults.append(
            f"{sum(expected_dead_letters.values())} poison deliveries (malformed, unknown type, invalid data)"
        )
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
        report = {
            "load_seconds": LOAD_SECONDS,
            "requests": dict(load.statuses),
            "events_written": events_written,
            "faults": faults,
            "seconds_to_converge": round(converge_seconds, 1),
            "records_compared": result.compared,
            "lost": len(result.lost),
            "regressed": len(result.regressed),
            "doubled": len(result.doubled),
            "differing": len(result.differing),
            "dead_letters": {s: [letter.reason for letter in letters] for s, letters in dead_letters.items()},
            "details": asdict(result),
        }
        _print_report(report, capsys)
        assert result.converged, json.dumps(asdict(result), indent=1)[:4000]
        assert not [k for k in load.statuses if k.endswith("5xx") or k.startswith("transport")], load.statuses
        for system, expected in expected_dead_letters.items():
            assert len(dead_letters[system]) == expected, (system, [letter.reason for letter in dead_letters[system]])
            assert all(letter.reason for letter in dead_letters[system])
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
