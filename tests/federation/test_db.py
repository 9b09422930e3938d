"""SQLite writers take the write lock up front and wait for one another, by our short retries rather than SQLite's long sleeps."""

from __future__ import annotations

import threading

from sqlalchemy import text

from federation.db import BUSY_TIMEOUT_SECONDS, make_engine, make_session_factory
from tests.federation.sample_system import Gadget, SampleBase


def test_a_writer_waits_for_the_one_holding_the_lock_and_then_commits(sqlite_url):
    engine = make_engine(sqlite_url)
    SampleBase.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with sessions() as session:
            session.add(Gadget(name="first"))
            session.flush()  # BEGIN IMMEDIATE: the write lock is ours until commit
            holding.set()
            release.wait(10)
            session.commit()

    first = threading.Thread(target=hold_the_lock)
    first.start()
    assert holding.wait(10)
    threading.Timer(0.3, release.set).start()
    with sessions() as session:  # blocks in BEGIN IMMEDIATE until the first writer commits
        session.add(Gadget(name="second"))
        session.commit()
    first.join(10)

    with sessions() as session:
        assert sorted(g.name for g in session.query(Gadget)) == ["first", "second"]
    engine.dispose()


def test_inside_a_transaction_sqlite_still_waits_as_long_as_configured(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_SECONDS * 1000
    engine.dispose()
