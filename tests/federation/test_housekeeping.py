"""Housekeeping: published outbox rows and inbox rows past their retention go, in batches, along an index; `scs prune`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, insert, select, text

from federation.housekeeping import _inbox_batch, _outbox_batch, prunable, prune
from federation.runtime_models import InboxMessage, OutboxMessage, utcnow
from federation.settings import InvalidSetting, Settings, parse_duration
from tests.conftest import TEST_RETRY_DELAYS_MS, wait_for
from tests.federation.harness import sample_database

ROOT = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)


def add_outbox(session_factory, count: int, *, age: timedelta, published: bool = True) -> None:
    """`count` outbox rows created `age` ago, published then too (or never)."""
    moment = utcnow() - age
    rows = [
        {
            "event_id": str(uuid.uuid4()),
            "producer": "sample",
            "event_type": "sample.thing_happened",
            "aggregate_id": "a",
            "body": "{}",
            "created_at": moment,
            "published_at": moment if published else None,
        }
        for _ in range(count)
    ]
    with session_factory() as session, session.begin():
        session.execute(insert(OutboxMessage), rows)


def add_inbox(session_factory, count: int, *, age: timedelta, producer: str = "catalog") -> None:
    """`count` inbox rows of `producer`'s events applied `age` ago (a second apart)."""
    moment = utcnow() - age
    rows = [
        {
            "consumer": "sample",
            "event_id": str(uuid.uuid4()),
            "producer": producer,
            "event_type": f"{producer}.thing_happened",
            "occurred_at": moment - timedelta(seconds=index),
            "processed_at": moment - timedelta(seconds=index),
        }
        for index in range(count)
    ]
    with session_factory() as session, session.begin():
        session.execute(insert(InboxMessage), rows)


def counts(session_factory) -> tuple[int, int, int]:
    """(published outbox rows, unpublished outbox rows, inbox rows)."""
    with session_factory() as session:
        published = session.scalar(select(func.count()).where(OutboxMessage.published_at.is_not(None)))
        pending = session.scalar(select(func.count()).where(OutboxMessage.published_at.is_(None)))
        return published, pending, session.scalar(select(func.count()).select_from(InboxMessage))


def pruned_counter(table: str) -> float:
    return REGISTRY.get_sample_value("scs_rows_pruned_total", {"system": "sample", "table": table}) or 0.0


def test_rows_past_their_retention_go_in_batches_and_nothing_else(session_factory):
    add_outbox(session_factory, 7, age=3 * DAY)
    add_outbox(session_factory, 2, age=3 * DAY, published=False)  # waiting for the relay, however old
    add_outbox(session_factory, 4, age=timedelta(hours=1))
    add_inbox(session_factory, 8, age=10 * DAY)
    add_inbox(session_factory, 3, age=DAY)
    add_inbox(session_factory, 5, age=10 * DAY, producer="user")  # all old: its newest row stays
    before = pruned_counter("outbox"), pruned_counter("inbox")
    assert prunable(session_factory, outbox_retention=DAY, inbox_retention=7 * DAY) == 7 + 8 + 4  # what goes next
    batches: list[int] = []

    pruned = prune(
        session_factory,
        system="sample",
        outbox_retention=DAY,
        inbox_retention=7 * DAY,
        batch_rows=3,
        on_batch=batches.append,
    )

    assert (pruned.outbox, pruned.inbox) == (7, 8 + 4)
    assert sum(batches) == 7 + 8 + 4 and max(batches) == 3  # what `scs prune` counts its progress by
    assert counts(session_factory) == (4, 2, 3 + 1)
    assert (pruned_counter("outbox") - before[0], pruned_counter("inbox") - before[1]) == (7, 12)
    with session_factory() as session:
        assert session.scalars(select(InboxMessage.producer).where(InboxMessage.producer == "user")).all() == ["user"]
    assert prune(session_factory, system="sample", outbox_retention=DAY, inbox_retention=7 * DAY).outbox == 0


def test_a_sweep_stops_between_batches_when_told(session_factory):
    add_outbox(session_factory, 10, age=3 * DAY)
    answers = iter([True, True, False])
    pruned = prune(
        session_factory,
        system="sample",
        outbox_retention=DAY,
        inbox_retention=DAY,
        batch_rows=4,
        keep_going=lambda: next(answers),
    )
    assert pruned.outbox == 8 and counts(session_factory)[0] == 2


def test_the_deletes_find_their_rows_through_an_index(session_factory):
    batches = (
        (_outbox_batch(utcnow(), 500), "ix_scs_outbox_unpublished"),
        (_inbox_batch("catalog", utcnow(), 500), "ix_scs_inbox_freshness"),
    )
    with session_factory() as session:
        connection = session.connection()
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("SET LOCAL enable_seqscan = off"))  # on tables this small it would win otherwise
        for statement, index in batches:
            compiled = statement.compile()  # named parameters, which text() takes on either database
            values = {name: str(value) for name, value in compiled.params.items()}
            explain = text(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + str(compiled))
            plan = "\n".join(str(row[-1]) for row in connection.execute(explain, values))
            assert index in plan, plan


def test_durations_take_the_documented_forms():
    assert [parse_duration("X", value) for value in ("30s", "15m", "24h", "7d", "90", " 2h ")] == [
        timedelta(seconds=30),
        timedelta(minutes=15),
        timedelta(hours=24),
        timedelta(days=7),
        timedelta(seconds=90),
        timedelta(hours=2),
    ]
    for bad in ("7 days", "1.5h", "-5m", "0", "0s", "h", "7w"):
        with pytest.raises(InvalidSetting, match=r"^SCS_INBOX_RETENTION='.*' is not a duration: .*30s, 15m, 24h, 7d"):
            parse_duration("SCS_INBOX_RETENTION", bad)
    settings = Settings.from_env("sample", {"SCS_OUTBOX_RETENTION": "15m", "SCS_INBOX_RETENTION": ""})
    assert (settings.outbox_retention, settings.inbox_retention) == (timedelta(minutes=15), timedelta(days=1))


def scs(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "federation.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def catalog_db(tmp_path):
    """A migrated catalog database holding old rows, and the environment that points `scs` at it."""
    env = {"SCS_DATA_DIR": str(tmp_path), "SCS_CATALOG_DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}"}
    assert scs("db", "upgrade", "catalog", env=env).returncode == 0
    with sample_database(env["SCS_CATALOG_DATABASE_URL"]) as factory:
        add_outbox(factory, 3, age=3 * DAY)
        add_inbox(factory, 2, age=10 * DAY)
        add_inbox(factory, 1, age=timedelta(minutes=1))
        yield env, factory


def test_scs_prune_refuses_a_bad_retention_and_touches_nothing(catalog_db):
    env, factory = catalog_db
    result = scs("prune", "catalog", env={**env, "SCS_OUTBOX_RETENTION": "3 days"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: SCS_OUTBOX_RETENTION='3 days' is not a duration: use a whole number above 0 with s, m, h or d "
        "(30s, 15m, 24h, 7d) or plain seconds (90)"
    ]
    assert counts(factory) == (3, 0, 3)


def test_scs_prune_deletes_now_and_says_what(catalog_db):
    env, factory = catalog_db
    result = scs("prune", "catalog", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "catalog: deleted 3 outbox row(s) published over 1h ago, 2 inbox row(s) over 1d old"
    ]
    assert counts(factory) == (0, 0, 1)


def test_scs_prune_names_an_unreachable_database_in_one_line(tmp_path):
    url = "postgresql://catalog_svc:sekrit@127.0.0.1:9/catalog"
    result = scs("prune", "catalog", env={"SCS_DATA_DIR": str(tmp_path), "SCS_CATALOG_DATABASE_URL": url})
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "Error: catalog: database at postgresql+psycopg://catalog_svc:***@127.0.0.1:9/catalog unreachable"
    )
    assert "sekrit" not in result.stderr


def test_a_running_worker_sweeps_every_interval(tmp_path, sqlite_url, amqp_url, namespace):
    with sample_database(sqlite_url) as factory:
        add_outbox(factory, 5, age=timedelta(minutes=10))
        add_inbox(factory, 4, age=timedelta(minutes=10))
        add_inbox(factory, 1, age=timedelta(seconds=0))
        env = {
            **os.environ,
            "SCS_SAMPLE_DATABASE_URL": sqlite_url,
            "SCS_AMQP_URL": amqp_url,
            "SCS_NAMESPACE": namespace,
            "SCS_DATA_DIR": str(tmp_path),
            "SCS_OUTBOX_RETENTION": "5m",
            "SCS_INBOX_RETENTION": "5m",
            "SCS_PRUNE_INTERVAL": "1s",
            "SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)),  # the delay queues the clean-up knows
        }
        worker = subprocess.Popen([sys.executable, "-m", "tests.federation.run_sample_worker"], cwd=ROOT, env=env)
        try:
            wait_for(lambda: counts(factory) == (0, 0, 1), timeout=30, message="the worker's housekeeping")
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=15) == 0
