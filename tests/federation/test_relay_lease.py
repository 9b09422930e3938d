"""One active relay per system (guarantee 8): one lease holder, taken over when it dies or freezes, fenced when it wakes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from federation import outbox
from federation.cli import main
from federation.lease_state import read_lease
from federation.outbox import outbox_backlog
from federation.relay import OutboxRelay
from federation.relay_lease import RelayLease
from federation.runtime_models import Lease, RuntimeBase, utcnow
from federation.settings import Settings
from federation.topology import Names, Subscription, publisher_declaration
from federation.web import create_system_app
from federation.worker import LeaseTask, run_while_holding
from shared_contracts.examples import example_data
from tests.conftest import TEST_RETRY_DELAYS_MS, wait_for
from tests.federation.harness import sample_database
from tests.federation.probe import ExchangeProbe
from tests.federation.web_sample import WEB_SAMPLE

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2.0
PUBLISHED = "relay: published"


def _write_events(session_factory, count: int) -> list[str]:
    """`count` catalog events in the sample database's outbox, one transaction each; their ids."""
    ids = []
    for version in range(1, count + 1):
        product_id = str(uuid.uuid4())
        with session_factory() as session:
            data = {**example_data("catalog.product.updated"), "id": product_id}
            event = outbox.add(
                session, "catalog.product.updated", data, aggregate_id=product_id, aggregate_version=version
            )
            session.commit()
        ids.append(str(event.id))
    return ids


class Relays:
    """Relay processes of one sample database (tests/federation/run_sample_relay.py), each logging to a file."""

    def __init__(self, tmp_path: Path, database_url: str, amqp_url: str, namespace: str, lease_seconds: float) -> None:
        """Relays of `database_url` with a lease of `lease_seconds`, none started yet."""
        self.log_dir = tmp_path / "logs"
        self.log_dir.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "SCS_SAMPLE_DATABASE_URL": database_url,
            "SCS_AMQP_URL": amqp_url,
            "SCS_NAMESPACE": namespace,
            "SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)),
            "SCS_DATA_DIR": str(tmp_path),
            "SCS_RELAY_LEASE_SECONDS": str(lease_seconds),
            "SCS_LOG_FORMAT": "text",
        }
        self.processes: list[subprocess.Popen] = []

    def start(self, count: int) -> list[subprocess.Popen]:
        """Start `count` more relays."""
        started = []
        for _ in range(count):
            with open(self.log_dir / f"relay-{len(self.processes)}.log", "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "tests.federation.run_sample_relay"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            self.processes.append(process)
            started.append(process)
        return started

    def log(self, process: subprocess.Popen) -> str:
        """What a relay has logged so far."""
        return (self.log_dir / f"relay-{self.processes.index(process)}.log").read_text(errors="replace")

    def holder(self, session_factory) -> subprocess.Popen | None:
        """The relay process whose lease is active now."""
        with session_factory() as session:
            lease = read_lease(session.connection(), "catalog")
        if lease is None or lease.holder is None or not lease.active(utcnow()):
            return None
        pid = int(lease.holder.rsplit(":", 2)[1])
        return next((process for process in self.processes if process.pid == pid), None)

    def await_standing_by(self, processes: list[subprocess.Popen]) -> None:
        """Wait until each of `processes` has found the lease held and stands by (so it is up and trying)."""
        for process in processes:
            wait_for(partial(self._stands_by, process), timeout=30, message="a relay standing by")

    def _stands_by(self, process: subprocess.Popen) -> bool:
        return "stands by" in self.log(process)

    def stop_all(self) -> list[int]:
        """SIGTERM (after SIGCONT, for a frozen one) every relay still running; their exit codes."""
        codes = []
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
            try:
                codes.append(process.wait(15))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(process.wait())
        return codes


@pytest.fixture
def relays(tmp_path, database_url, amqp_url, namespace):
    """A factory of relay processes on the test's sample database; all stopped afterwards."""
    started = Relays(tmp_path, database_url, amqp_url, namespace, LEASE_SECONDS)
    yield started
    started.stop_all()


@pytest.fixture
def probe(amqp_url, namespace):
    """Counts what reaches the catalog exchange, per message id."""
    counting = ExchangeProbe(amqp_url, namespace)
    yield counting
    counting.close()


def _stored(session_factory) -> tuple[str | None, int] | None:
    """Holder and epoch of the stored lease."""
    with session_factory() as session:
        lease = read_lease(session.connection(), "catalog")
    return None if lease is None else (lease.holder, lease.epoch)


def _backlog(session_factory) -> int:
    with session_factory() as session:
        return outbox_backlog(session)


def _delivered(probe: ExchangeProbe, ids: list[str]) -> bool:
    counts = probe.counts()
    return all(counts[event_id] >= 1 for event_id in ids)


def test_one_process_holds_the_lease_and_the_others_stand_by(session_factory):
    first, second = RelayLease(session_factory, "catalog", 5), RelayLease(session_factory, "catalog", 5)
    assert first.hold() and first.held
    assert not second.hold() and not second.held
    assert first.hold() and not second.hold()
    assert _stored(session_factory) == (first.holder, 1)


def test_a_released_lease_is_taken_at_the_next_try(session_factory):
    first, second = RelayLease(session_factory, "catalog", 5), RelayLease(session_factory, "catalog", 5)
    assert first.hold()
    first.release()
    assert not first.held
    assert second.hold()
    assert not first.hold()


def test_a_holder_that_stopped_renewing_is_fenced_once_another_took_it(session_factory):
    first, second = RelayLease(session_factory, "catalog", 1), RelayLease(session_factory, "catalog", 1)
    assert first.hold()
    wait_for(second.hold, timeout=1 + 2, message="the second process taking the lapsed lease")
    assert not first.held  # by its own clock, before asking the database
    assert not first.hold() and first.epoch is None
    assert _stored(session_factory) == (second.holder, 2)


def test_a_lease_that_ran_out_unclaimed_stays_with_its_holder(session_factory):
    lease = RelayLease(session_factory, "catalog", 1)
    assert lease.hold()
    wait_for(lambda: not lease.held, timeout=3, message="the lease running out")
    assert lease.hold() and lease.epoch == 1  # nobody took it: renewing it is safe, and keeps the epoch


def test_on_postgresql_a_holder_frozen_inside_a_renewal_does_not_keep_the_lease_row_locked(postgres_url):
    with sample_database(postgres_url) as session_factory:
        first, second = RelayLease(session_factory, "catalog", 1), RelayLease(session_factory, "catalog", 1)
        assert first.hold()
        outcome: list[str] = []
        wake = threading.Event()

        def renew_and_freeze() -> None:
            try:
                with first._transaction() as connection:
                    connection.execute(update(Lease).where(Lease.name == "catalog").values(lease_until=utcnow()))
                    wake.wait(30)  # frozen with the row locked: no further statement, no commit
                outcome.append("committed")
            except DBAPIError:
                outcome.append("ended by the server")

        freezer = threading.Thread(target=renew_and_freeze, daemon=True)
        freezer.start()
        wait_for(second.hold, timeout=60, message="the second process taking the lease")
        assert outcome == [] and second.epoch == 2  # taken while the first was still frozen, not after it committed
        wake.set()
        freezer.join(10)
        assert outcome == ["ended by the server"]


def test_a_relay_publishes_only_while_it_holds_the_lease(session_factory, amqp_url, namespace, probe):
    names = Names(namespace)
    declaration = publisher_declaration(names, "catalog", [Subscription("sample", [])], TEST_RETRY_DELAYS_MS)
    other = RelayLease(session_factory, "catalog", 5)
    relay = OutboxRelay(
        amqp_url=amqp_url,
        names=names,
        declaration=declaration,
        session_factory=session_factory,
        lease=RelayLease(session_factory, "catalog", 5),
    )
    try:
        assert other.hold()
        ids = _write_events(session_factory, 3)
        assert relay.publish_pending(until_empty=True) == 0 and not relay.holds_lease
        other.release()
        assert relay.publish_pending(until_empty=True) == 3 and relay.holds_lease
    finally:
        relay.close()
    wait_for(lambda: _delivered(probe, ids), message="the events")
    assert not relay.holds_lease and other.hold()  # closing the relay released its lease


def _note_holder(runs: list[str], holder: str, _session_factory) -> None:
    runs.append(holder)


def test_only_the_lease_holder_runs_lease_tasks_and_the_next_holder_takes_them_over(session_factory, amqp_url):
    runs: list[str] = []
    leases, stops, threads = [], [], []
    for _ in range(2):
        lease = RelayLease(session_factory, "catalog", 2)
        relay = OutboxRelay(
            amqp_url=amqp_url,
            names=Names("unused"),
            declaration=publisher_declaration(Names("unused"), "catalog", [], ()),
            session_factory=session_factory,
            lease=lease,
        )
        stop = threading.Event()
        task = LeaseTask(0.05, partial(_note_holder, runs, lease.holder))
        threads += [
            threading.Thread(target=relay.run, args=(stop,), daemon=True),
            threading.Thread(target=run_while_holding, args=(relay, task, session_factory, stop), daemon=True),
        ]
        leases.append(lease)
        stops.append(stop)
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(runs) >= 5, message="the holder's task running")
        first = next(lease for lease in leases if lease.held)
        assert set(runs) == {first.holder}
        stops[leases.index(first)].set()  # a clean stop releases the lease
        second = leases[1 - leases.index(first)]
        wait_for(lambda: runs[-1] == second.holder, message="the next holder running the task")
    finally:
        for stop in stops:
            stop.set()
        for thread in threads:
            thread.join(10)


def test_three_relays_publish_each_event_exactly_once(tmp_path, database_url, amqp_url, namespace, session_factory):
    relays = Relays(tmp_path, database_url, amqp_url, namespace, lease_seconds=5)
    probe = ExchangeProbe(amqp_url, namespace)
    try:
        started = relays.start(3)
        wait_for(lambda: relays.holder(session_factory), timeout=30, message="a relay taking the lease")
        holder = relays.holder(session_factory)
        relays.await_standing_by([process for process in started if process is not holder])
        ids = []
        for _ in range(15):
            ids += _write_events(session_factory, 10)
        wait_for(lambda: _delivered(probe, ids), timeout=30, message="every event at the exchange")
        wait_for(lambda: _backlog(session_factory) == 0, message="every row marked")
        assert relays.stop_all() == [0, 0, 0]  # anything they published is at the probe now
        counts = probe.counts()
    finally:
        relays.stop_all()
        probe.close()
    assert {counts[event_id] for event_id in ids} == {1}
    assert [PUBLISHED in relays.log(process) for process in started].count(True) == 1


def test_a_standby_publishes_within_the_lease_and_two_seconds_after_the_holder_is_killed(
    relays, probe, session_factory
):
    started = relays.start(2)
    first = _write_events(session_factory, 1)
    wait_for(lambda: _delivered(probe, first), timeout=30, message="the first event")
    holder = relays.holder(session_factory)
    (standby,) = [process for process in started if process is not holder]
    relays.await_standing_by([standby])

    holder.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    after = _write_events(session_factory, 1)
    wait_for(
        lambda: _delivered(probe, after),
        timeout=LEASE_SECONDS + 2 - (time.monotonic() - killed),
        message="the standby publishing",
    )
    assert relays.holder(session_factory) is standby
    # the relay logs a batch after its confirm and its mark, so the line may trail the event at the exchange
    wait_for(lambda: PUBLISHED in relays.log(standby), timeout=10, message="the standby's log line")


def test_a_frozen_holder_is_replaced_and_publishes_nothing_once_it_wakes(relays, probe, session_factory):
    started = relays.start(2)
    first = _write_events(session_factory, 5)
    wait_for(lambda: _delivered(probe, first), timeout=30, message="the first events")
    holder = relays.holder(session_factory)
    (standby,) = [process for process in started if process is not holder]
    relays.await_standing_by([standby])
    wait_for(lambda: all(event_id in relays.log(holder) for event_id in first), message="the holder's log")
    logged_before_freezing = len(relays.log(holder))

    holder.send_signal(signal.SIGSTOP)
    frozen = time.monotonic()
    during = _write_events(session_factory, 1)
    wait_for(
        lambda: _delivered(probe, during),
        timeout=LEASE_SECONDS + 2 - (time.monotonic() - frozen),
        message="the standby publishing while the holder is frozen",
    )
    assert relays.holder(session_factory) is standby

    holder.send_signal(signal.SIGCONT)
    wait_for(lambda: "lost" in relays.log(holder)[logged_before_freezing:], message="the woken holder noticing")
    later = _write_events(session_factory, 20)
    wait_for(lambda: _delivered(probe, later), message="the events written after it woke")
    wait_for(lambda: _backlog(session_factory) == 0, message="every row marked")
    assert relays.stop_all() == [0, 0]
    counts = probe.counts()
    assert {counts[event_id] for event_id in during + later} == {1}
    assert PUBLISHED not in relays.log(holder)[logged_before_freezing:]
    assert relays.holder(session_factory) is None  # both stopped cleanly: released


def test_status_page_metrics_and_scs_status_show_the_lease_holder(data_dir, sqlite_url, amqp_url, auth_headers):
    app = create_system_app(
        WEB_SAMPLE, {"SCS_DATA_DIR": str(data_dir), "SCS_CATALOG_DATABASE_URL": sqlite_url, "SCS_AMQP_URL": amqp_url}
    )
    runtime = app.extensions["scs"]
    RuntimeBase.metadata.create_all(runtime.engine)
    client = app.test_client()
    assert b"nobody holds it" in client.get("/_status", headers=auth_headers(roles=["admin"])).data

    lease = RelayLease(runtime.session_factory, "catalog", 30)
    assert lease.hold()
    page = client.get("/_status", headers=auth_headers(roles=["admin"])).get_data(as_text=True)
    assert lease.holder in page
    assert f'scs_relay_lease_holder{{holder="{lease.holder}",system="catalog"}} 1.0' in client.get("/metrics").text

    env = {"SCS_DATA_DIR": str(data_dir), "SCS_CATALOG_DATABASE_URL": sqlite_url, "SCS_AMQP_URL": amqp_url}
    result = CliRunner().invoke(main, ["status", "--json"], env=env)
    (catalog,) = [entry for entry in json.loads(result.stdout) if entry["system"] == "catalog"]
    assert catalog["relay_lease_holder"] == lease.holder
    assert catalog["relay_lease_since"].startswith(utcnow().strftime("%Y-%m-%dT"))
    text = CliRunner().invoke(main, ["status"], env=env).stdout
    assert f"relay lease: {lease.holder} since " in text


def test_the_lease_length_comes_from_the_environment():
    assert Settings.from_env("catalog", {}).relay_lease_seconds == 5
    assert Settings.from_env("catalog", {"SCS_RELAY_LEASE_SECONDS": "2.5"}).relay_lease_seconds == 2.5


@pytest.mark.parametrize("value", ["soon", "0", "-5", "0.2", "nan", "1e9"])
def test_an_invalid_lease_length_stops_the_worker_at_start_with_one_line(tmp_path, value):
    env = {**os.environ, "SCS_DATA_DIR": str(tmp_path), "SCS_RELAY_LEASE_SECONDS": value}
    result = subprocess.run(
        [sys.executable, "-m", "federation.cli", "worker", "catalog"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SCS_RELAY_LEASE_SECONDS" in lines[0] and "e.g. 5 or 2.5" in lines[0], result.stderr
    assert list(tmp_path.iterdir()) == []  # stopped before touching anything
