"""The outbox watch wakes the relay when a row is committed to the outbox, and only then; the relay uses it."""

from __future__ import annotations

import select
import threading
import uuid

from federation import outbox
from federation.outbox import outbox_backlog
from federation.outbox_watch import SqliteCommitSignal, watch_outbox
from shared_contracts.examples import example_data
from tests.conftest import wait_for
from tests.federation.harness import sample_database
from tests.federation.sample_system import Gadget
from tests.federation.test_relay import _relay


def _add_event(session_factory) -> None:
    """Commit one outbox row, as a web request would."""
    product = example_data("catalog.product.updated")
    with session_factory() as session:
        outbox.add(session, "catalog.product.updated", product, aggregate_id=product["id"], aggregate_version=1)
        session.commit()


def test_a_committed_outbox_row_ends_the_wait_at_once(session_factory):
    watch = watch_outbox(session_factory.kw["bind"])
    try:
        watch.wait(0)  # starts watching (PostgreSQL: connects and listens)
        _add_event(session_factory)
        assert watch.wait(30), "woken by the commit (False would mean the wait ran out)"
    finally:
        watch.close()


def test_the_descriptor_turns_readable_at_a_commit_and_fired_reads_the_news(session_factory):
    watch = watch_outbox(session_factory.kw["bind"])  # the relay awaits this descriptor on its event loop
    try:
        descriptor = watch.fileno()
        assert descriptor is not None, "inotify (SQLite on Linux) and LISTEN (PostgreSQL) both have one"
        assert watch.fired(), "a watch that just started may have missed rows: read the outbox"
        assert not watch.fired()
        _add_event(session_factory)
        readable, _, _ = select.select([descriptor], [], [], 30)
        assert readable and watch.fired(), "the commit made the descriptor readable, and it was the outbox's"
        assert not watch.fired(), "fired() read every queued event"
    finally:
        watch.close()


def test_commits_that_add_no_outbox_row_do_not_end_the_wait(session_factory):
    watch = watch_outbox(session_factory.kw["bind"])
    try:
        watch.wait(0)
        with session_factory() as session:
            session.add(Gadget(name=f"gadget {uuid.uuid4()}"))
            session.commit()
        assert not watch.wait(0.5), "the wait ran out: nothing woke it"
    finally:
        watch.close()


def test_the_relay_publishes_a_new_row_long_before_its_poll_interval(session_factory, amqp_url, namespace):
    relay = _relay(amqp_url, namespace, session_factory)
    relay.poll_seconds = 3600  # only the watch can wake it within the test
    relay.watch = watch_outbox(session_factory.kw["bind"])
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        _add_event(session_factory)
        wait_for(lambda: _backlog(session_factory) == 0, message="the first row relayed (connecting included)")
        _add_event(session_factory)
        wait_for(lambda: _backlog(session_factory) == 0, message="the relay woken by the watch, not its hourly poll")
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive(), "the relay stops when asked, not at the end of its hour-long poll interval"


def _backlog(session_factory) -> int:
    with session_factory() as session:
        return outbox_backlog(session)


def test_each_transaction_of_a_long_lived_session_wakes_the_relay_on_postgresql(postgres_url):
    with sample_database(postgres_url) as session_factory:
        watch = watch_outbox(session_factory.kw["bind"])
        try:
            watch.wait(0)
            with session_factory() as session:
                for version in (1, 2):  # NOTIFY is sent once per transaction, so the second one must send its own
                    product = example_data("catalog.product.updated")
                    outbox.add(
                        session,
                        "catalog.product.updated",
                        product,
                        aggregate_id=product["id"],
                        aggregate_version=version,
                    )
                    outbox.add(
                        session,
                        "catalog.product.updated",
                        product,
                        aggregate_id=product["id"],
                        aggregate_version=version,
                    )
                    session.commit()
                    assert watch.wait(10), f"no notification after transaction {version}"
        finally:
            watch.close()


def test_a_rolled_back_outbox_row_does_not_end_the_wait(session_factory):
    watch = watch_outbox(session_factory.kw["bind"])
    try:
        watch.wait(0)
        product = example_data("catalog.product.updated")
        with session_factory() as session:
            outbox.add(session, "catalog.product.updated", product, aggregate_id=product["id"], aggregate_version=1)
            session.rollback()
        assert not watch.wait(0.5), "nothing was committed, so nothing woke it"
        _add_event(session_factory)  # the same session factory's next commit still wakes it
        assert watch.wait(30)
    finally:
        watch.close()


def test_on_linux_sqlite_relays_sleep_until_a_writer_signals_its_commit(tmp_path):
    with sample_database(f"sqlite:///{tmp_path / 'sample.db'}") as session_factory:
        watch = watch_outbox(session_factory.kw["bind"])
        try:
            assert isinstance(watch, SqliteCommitSignal), "inotify exists on Linux: no 5 ms polling"
            watch.wait(0)
            (tmp_path / "heartbeat").touch()  # other files in the folder change too
            assert not watch.wait(0.3)
            _add_event(session_factory)
            assert watch.wait(30) and (tmp_path / "sample.db-outbox").exists()
        finally:
            watch.close()


def test_another_databases_outbox_in_the_same_folder_does_not_wake_it(tmp_path):
    with (
        sample_database(f"sqlite:///{tmp_path / 'sample.db'}") as session_factory,
        sample_database(f"sqlite:///{tmp_path / 'other.db'}") as other,
    ):
        watch = watch_outbox(session_factory.kw["bind"])
        try:
            watch.wait(0)
            _add_event(other)  # the three systems' databases share SCS_DATA_DIR by default
            assert not watch.wait(0.3), "woken by another system's commit"
            _add_event(session_factory)
            assert watch.wait(30)
        finally:
            watch.close()


def test_a_removed_signal_file_is_watched_again_once_a_writer_recreates_it(tmp_path):
    with sample_database(f"sqlite:///{tmp_path / 'sample.db'}") as session_factory:
        watch = watch_outbox(session_factory.kw["bind"])
        try:
            watch.wait(0)
            (tmp_path / "sample.db-outbox").unlink()  # e.g. someone tidying the data folder
            assert watch.wait(30), "the removal ends the watch: read the outbox, then watch the new file"
            assert watch.wait(0), "watching anew: rows may have come meanwhile"
            assert not watch.wait(0.3)
            _add_event(session_factory)
            assert watch.wait(30), "woken through the new file"
        finally:
            watch.close()
