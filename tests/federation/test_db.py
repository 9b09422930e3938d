"""Engines: SQLite writers take the write lock up front and wait by our short retries; the relay's own PostgreSQL engine."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import exc, text

from federation import db
from federation.db import make_engine, make_session_factory, read_only
from tests.federation.sample_system import Gadget, SampleBase


def test_a_writer_waits_for_the_one_holding_the_lock_and_then_commits(sqlite_url):
    engine = make_engine(sqlite_url)
    SampleBase.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    holding, release, second_wrote = threading.Event(), threading.Event(), threading.Event()
    steps: list[str] = []

    def hold_the_lock() -> None:
        with sessions() as session:
            session.add(Gadget(name="first"))
            session.flush()  # BEGIN IMMEDIATE: the write lock is ours until commit
            holding.set()
            release.wait(10)
            session.commit()
            steps.append("first committed")

    def write_second() -> None:
        with sessions() as session:  # blocks in BEGIN IMMEDIATE until the first writer commits
            session.add(Gadget(name="second"))
            session.flush()
            steps.append("second has the lock")
            session.commit()
        second_wrote.set()

    first = threading.Thread(target=hold_the_lock)
    first.start()
    assert holding.wait(10)
    second = threading.Thread(target=write_second)
    second.start()
    assert not second_wrote.wait(0.5), "the second writer must wait while the first holds the lock"
    release.set()
    assert second_wrote.wait(10)
    first.join(10)
    second.join(10)

    assert steps == ["first committed", "second has the lock"]
    with sessions() as session:
        assert sorted(g.name for g in session.query(Gadget)) == ["first", "second"]
    engine.dispose()


def test_a_writer_that_cannot_get_the_lock_in_time_gives_up_and_its_connection_waits_again(sqlite_url, monkeypatch):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_SECONDS", 1)
    engine = make_engine(sqlite_url)
    SampleBase.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    with sessions() as holder:
        holder.add(Gadget(name="holder"))
        holder.flush()
        with pytest.raises((sqlite3.OperationalError, exc.OperationalError), match="locked"), sessions() as second:
            second.add(Gadget(name="second"))
            second.flush()
        holder.commit()
    reader = read_only(engine)
    with reader.connect() as one, reader.connect() as other:  # the pool's two connections, the one that gave up too
        for connection in (one, other):
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 1000  # SQLite's own waiting is back
    with sessions() as session:
        assert [g.name for g in session.query(Gadget)] == ["holder"]
    engine.dispose()


def test_sqlite_reads_through_a_memory_map(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA mmap_size")).scalar() == db.MMAP_BYTES
    engine.dispose()


def test_the_relays_postgres_connection_walks_the_index_in_autocommit_without_waiting_for_the_disk(postgres_url):
    engine = make_engine(postgres_url)
    batches = db.relay_batch_engine(engine)
    with batches.connect() as connection:
        settings = [
            connection.exec_driver_sql(f"SHOW {name}").scalar() for name in ("enable_bitmapscan", "synchronous_commit")
        ]
        assert settings == ["off", "off"]
        driver = connection.connection.dbapi_connection
        assert driver is not None and driver.autocommit
    with engine.connect() as connection:  # the system's own connections keep the defaults
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    batches.dispose()
    engine.dispose()


def test_on_sqlite_the_relay_uses_the_systems_engine(sqlite_url):
    engine = make_engine(sqlite_url)
    assert db.relay_batch_engine(engine) is engine
    engine.dispose()
