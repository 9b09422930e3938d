"""Chaos for the relay lease: three workers per system under load, the lease holder SIGKILLed or frozen (SIGSTOP).

Another worker takes over within the lease + 2 s, and afterwards nothing is lost, regressed or applied twice,
and no event reached its exchange twice outside a failover.

Runs on the machine's RabbitMQ and PostgreSQL (no container needed), with a load of SCS_CHAOS_FAILOVER_SECONDS
(default 20; the faults alone take about as long). PostgreSQL, not SQLite: a process frozen inside a write
transaction stops every writer of a SQLite file, its successor included, which no lease can route around
(docs/scale-out.md); the lease tests cover SQLite.
Prints a one-screen report and writes test-artifacts/chaos-failover-report.json.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from federation.db import make_engine, make_session_factory
from federation.lease_state import read_lease
from federation.runtime_models import OutboxMessage, utcnow
from federation.settings import Settings
from tests.benchmarks.stack import postgres_database
from tests.chaos.convergence import compare
from tests.chaos.test_chaos import Load
from tests.conftest import wait_for
from tests.e2e.federation_processes import ROOT, SYSTEM_NAMES, Federation
from tests.e2e.journeys import PASSWORD, admin_headers, copied_product, create_product, from_another_client, log_in
from tests.federation.harness import queue_depth
from tests.federation.probe import ExchangeProbe

LOAD_SECONDS = float(os.environ.get("SCS_CHAOS_FAILOVER_SECONDS", "20"))
LEASE_SECONDS = 3.0
SETTLE_SECONDS = LEASE_SECONDS  # after a takeover or a wake-up, the in-flight batch may still arrive a second time
WORKERS = 3
PRODUCTS, CUSTOMERS, INITIAL_STOCK = 4, 3, 1000
BATCH_SIZE = Settings.relay_batch_size
FAULTS = (("catalog", signal.SIGKILL), ("order", signal.SIGSTOP), ("user", signal.SIGKILL), ("catalog", signal.SIGSTOP))

pytestmark = pytest.mark.timeout(int(LOAD_SECONDS) + 300)


class LeaseWatch:
    """Notes every change of each system's lease (holder and epoch) as it polls the databases."""

    def __init__(self, factories: dict) -> None:
        """Watch the lease rows of the systems whose sessions are in `factories`."""
        self.factories = factories
        self.changes: list[tuple[float, str, str | None, int]] = []  # (time.time(), system, holder, epoch)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        """Note the current holders, then keep polling."""
        self._thread.start()

    def _run(self) -> None:
        seen: dict[str, int] = {}
        while not self._stop.wait(0.1):
            for system, factory in self.factories.items():
                with factory() as session:
                    lease = read_lease(session.connection(), system)
                if lease is not None and seen.setdefault(system, lease.epoch) != lease.epoch:
                    seen[system] = lease.epoch
                    self.changes.append((time.time(), system, lease.holder, lease.epoch))

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)


def _worker_names(system: str) -> list[str]:
    return [f"{system}-worker"] + [f"{system}-worker-{i}" for i in range(2, WORKERS + 1)]


def _relay_logged(federation: Federation, name: str) -> bool:
    """Whether worker `name` has taken the lease or found it held (its relay runs)."""
    return "relay lease" in federation.log(name)


def _holder(federation: Federation, factories: dict, system: str) -> str | None:
    """The name of the worker process holding `system`'s lease now."""
    with factories[system]() as session:
        lease = read_lease(session.connection(), system)
    if lease is None or not lease.active(utcnow()):
        return None
    pid = int(str(lease.holder).rsplit(":", 2)[1])
    return next((name for name, process in federation.processes.items() if process.pid == pid), None)


def _write_one(federation: Federation, system: str, admin: dict, customers: list[dict], products: list[str]) -> None:
    """One change in `system` that produces an event, so the new lease holder has something to publish."""
    body: dict[str, Any]
    if system == "catalog":
        body = {"price_cents": 1000 + int(time.time() * 1000) % 9000}
        url = f"{federation.url('catalog')}/api/products/{products[0]}"
        response = requests.patch(url, json=body, headers=admin, timeout=10)
    elif system == "user":
        body = {"email": f"fo-{uuid.uuid4().hex[:10]}@example.org", "password": PASSWORD, "display_name": "Failover"}
        response = requests.post(
            f"{federation.url('user')}/api/users", json=body, headers=from_another_client(), timeout=10
        )
    else:
        body = {"lines": [{"product_id": products[0], "quantity": 1}]}
        response = requests.post(f"{federation.url('order')}/api/orders", json=body, headers=customers[0], timeout=10)
    assert response.status_code < 300, response.text


def _fail_the_holder(federation, factories, probe, system: str, sig: int, write) -> dict:
    """SIGKILL (and restart) or SIGSTOP (and later SIGCONT) `system`'s lease holder; check the handover."""
    name = wait_for(lambda: _holder(federation, factories, system), message=f"{system}'s lease holder")
    pid = federation.processes[name].pid
    logged_before = len(federation.log(name))
    started = time.time()
    deadline = started + LEASE_SECONDS + 2
    if sig == signal.SIGKILL:
        federation.stop(name, signal.SIGKILL)
    else:
        os.kill(pid, signal.SIGSTOP)
    write(system)
    successor = wait_for(
        lambda: (holder := _holder(federation, factories, system)) not in (None, name) and holder,
        timeout=max(0.1, deadline - time.time()),
        message=f"another {system} worker taking the lease",
    )
    handover = time.time()
    wait_for(
        lambda: any(key.startswith(f"{system}.") for _, key, _ in probe.since(handover)),
        timeout=max(0.1, deadline - time.time()),
        message=f"{successor} publishing within the lease + 2 s",
    )
    published = time.time()
    fault: dict[str, Any] = {
        "system": system,
        "signal": signal.Signals(sig).name,
        "holder": name,
        "successor": successor,
        "seconds_to_handover": round(handover - started, 2),
        "seconds_to_first_publish": round(published - started, 2),
        "windows": [(started, published + SETTLE_SECONDS)],
    }
    if sig == signal.SIGKILL:
        federation.start(f"{system}-worker", name=name)
    else:
        time.sleep(1.0)  # frozen a while longer, while the successor publishes
        os.kill(pid, signal.SIGCONT)
        woke = time.time()
        wait_for(lambda: "lost" in federation.log(name)[logged_before:], message=f"{name} noticing it lost the lease")
        fault["windows"].append((woke, woke + SETTLE_SECONDS))
    return fault


@pytest.fixture
def databases():
    """A fresh PostgreSQL database per system."""
    with ExitStack() as stack:
        yield {name: stack.enter_context(postgres_database()) for name in SYSTEM_NAMES}


def test_the_lease_hands_over_under_load_and_nothing_is_lost_doubled_or_published_twice(
    tmp_path, amqp_url, namespace, databases, capsys
):
    federation = Federation(
        data_dir=tmp_path / "var",
        namespace=namespace,
        amqp_url=amqp_url,
        database_urls=databases,
        extra_env={"SCS_RELAY_LEASE_SECONDS": str(LEASE_SECONDS)},
    )
    factories = {name: make_session_factory(make_engine(url)) for name, url in databases.items()}
    federation.scs("db", "upgrade")
    probe = ExchangeProbe(amqp_url, namespace, SYSTEM_NAMES)
    watch = LeaseWatch(factories)
    try:
        with ThreadPoolExecutor(len(SYSTEM_NAMES) * (WORKERS + 1)) as starting:  # imports take most of a start
            started = [
                starting.submit(federation.start, f"{s}-worker", name=n) for s in SYSTEM_NAMES for n in _worker_names(s)
            ]
            started += [starting.submit(federation.start, f"{s}-web") for s in SYSTEM_NAMES]
        for each in started:
            each.result()
        for system in SYSTEM_NAMES:
            for name in _worker_names(system):
                wait_for(partial(_relay_logged, federation, name), timeout=30, message=f"{name}'s relay")
        admin = admin_headers(federation)
        products = [
            create_product(federation, admin, stock=INITIAL_STOCK, name=f"Failover product {i}")
            for i in range(PRODUCTS)
        ]
        customers = []
        for i in range(CUSTOMERS):
            email = f"failover-{i}-{uuid.uuid4().hex[:6]}@example.org"
            body = {"email": email, "password": PASSWORD, "display_name": f"Failover {i}"}
            requests.post(f"{federation.url('user')}/api/users", json=body, headers=from_another_client(), timeout=10)
            customers.append(log_in(federation, email))
        for product in products:
            copied_product(federation, product)

        watch.start()
        load = Load(federation, admin, customers, products)
        load.thread.start()
        load_started = time.monotonic()
        faults = []
        for system, sig in FAULTS:
            time.sleep(2)
            write = partial(_write_one, federation, admin=admin, customers=customers, products=products)
            faults.append(_fail_the_holder(federation, factories, probe, system, sig, write))
        time.sleep(max(2.0, LOAD_SECONDS - (time.monotonic() - load_started)))
        load.stop.set()
        load.thread.join(15)
        load_seconds = time.monotonic() - load_started

        stopped = time.monotonic()
        initial = {p: INITIAL_STOCK for p in products}
        while True:
            with factories["user"]() as user, factories["catalog"]() as catalog, factories["order"]() as order:
                result = compare(user, catalog, order, initial)
            if result.converged or time.monotonic() - stopped > 120:
                break
            time.sleep(0.5)
        converge_seconds = time.monotonic() - stopped
    finally:
        try:
            watch.stop()  # first: the clean stops below hand the lease around, which is no failover
        finally:
            federation.stop_all()  # after this, whatever a relay published is at the probe (or on its way)
    try:
        written = {}
        for system, factory in factories.items():
            with factory() as session:
                written.update({event_id: system for event_id in session.scalars(select(OutboxMessage.event_id))})
        wait_for(lambda: queue_depth(amqp_url, probe.queue) == 0, message="the probe draining its queue")
        arrivals = sorted(probe.since(0), key=lambda arrival: arrival[2])
    finally:
        probe.close()

    copies: dict[str, list[float]] = defaultdict(list)
    for message_id, _key, at in arrivals:
        copies[message_id].append(at)
    windows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for fault in faults:
        windows[fault["system"]] += fault["windows"]
    unplanned = []
    for at, system, holder, epoch in watch.changes:
        if not any(start <= at <= end for start, end in windows[system]):
            unplanned.append({"system": system, "holder": holder, "epoch": epoch, "at": at})
            windows[system].append((at - LEASE_SECONDS - 1, at + SETTLE_SECONDS))  # a slow holder: a failover too
    outside: list[str] = []
    per_window: dict[tuple[str, tuple[float, float]], int] = defaultdict(int)
    for message_id, times in copies.items():
        system = written.get(message_id, "?")
        for at in times[1:]:
            window = next((w for w in windows[system] if w[0] <= at <= w[1]), None)
            if window is None:
                outside.append(message_id)
            else:
                per_window[(system, window)] += 1
    never_published = sorted(set(written) - set(copies))

    report = {
        "load_seconds": round(load_seconds, 1),
        "workers_per_system": WORKERS,
        "lease_seconds": LEASE_SECONDS,
        "requests": dict(load.statuses),
        "events_written": len(written),
        "deliveries_at_the_exchanges": len(arrivals),
        "faults": [{k: v for k, v in fault.items() if k != "windows"} for fault in faults],
        "unplanned_lease_changes": unplanned,
        "copies_in_failover_windows": sum(per_window.values()),
        "events_published_twice_outside_a_failover_window": len(set(outside)),
        "never_published": len(never_published),
        "seconds_to_converge": round(converge_seconds, 1),
        **result.counts(),
    }
    _print_report(report, capsys)
    assert result.converged, json.dumps(asdict(result), indent=1)[:4000]
    assert not never_published, never_published[:10]
    assert not outside, f"published twice outside a failover: {sorted(set(outside))[:10]}"
    assert all(count <= BATCH_SIZE for count in per_window.values()), per_window  # at most the in-flight batch
    assert not [k for k in load.statuses if k.endswith("5xx") or k.startswith("transport")], load.statuses


def _print_report(report: dict, capsys) -> None:
    """One screen for the person running the suite, and a JSON file for the record."""
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    Path(artifacts / "chaos-failover-report.json").write_text(json.dumps(report, indent=2, default=str))
    with capsys.disabled():
        print("\n=== relay failover chaos report ===")
        print(
            f"load: {report['load_seconds']}s, {report['workers_per_system']} workers per system, requests: "
            f"{report['requests']}"
        )
        print(
            f"events written: {report['events_written']}, deliveries at the exchanges: "
            f"{report['deliveries_at_the_exchanges']}"
        )
        for fault in report["faults"]:
            print(
                f"fault: {fault['signal']} {fault['holder']} (lease holder of {fault['system']}); "
                f"{fault['successor']} took over in {fault['seconds_to_handover']}s, "
                f"published after {fault['seconds_to_first_publish']}s"
            )
        print(f"unplanned lease changes: {len(report['unplanned_lease_changes'])}")
        print(
            f"second copies in failover windows: {report['copies_in_failover_windows']}; events published twice "
            f"outside one: {report['events_published_twice_outside_a_failover_window']}; "
            f"never published: {report['never_published']}"
        )
        print(f"converged in {report['seconds_to_converge']}s; records compared: {report['records_compared']}")
        print(
            f"lost: {report['lost']}  regressed: {report['regressed']}  doubled: {report['doubled']}  "
            f"differing: {report['differing']}"
        )
