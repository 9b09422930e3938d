"""A request whose transaction PostgreSQL aborted to break a deadlock runs again on a fresh session."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from federation.db import make_engine, make_session_factory
from federation.transaction_retry import ATTEMPTS, retrying_aborted_transactions
from tests.federation.sample_system import Gadget, SampleBase


def _lock(session, name: str) -> None:
    session.execute(select(Gadget).where(Gadget.name == name).with_for_update()).one()


@pytest.fixture
def sessions(postgres_url):
    engine = make_engine(postgres_url)
    SampleBase.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        session.add_all([Gadget(name="a"), Gadget(name="b")])
    yield factory
    engine.dispose()


class RequestSession:
    """What `db_session()` is to a view: one session per attempt, opened on first use, discarded between attempts."""

    def __init__(self, factory) -> None:
        """No session open yet."""
        self.factory, self.current, self.opened = factory, None, 0

    def __call__(self):
        """The attempt's session."""
        if self.current is None:
            self.current, self.opened = self.factory(), self.opened + 1
        return self.current

    def discard(self) -> None:
        """Close the attempt's session (rolling back)."""
        if self.current is not None:
            self.current.close()
        self.current = None


def test_a_view_aborted_to_break_a_deadlock_runs_again_and_commits(sessions):
    request_session = RequestSession(sessions)
    view_holds_a, other_holds_b = threading.Event(), threading.Event()
    other_committed = threading.Event()

    def rename_both():
        session = request_session()
        session.execute(text("SET LOCAL deadlock_timeout = '50ms'"))  # this one notices the deadlock first
        _lock(session, "a")
        view_holds_a.set()
        other_holds_b.wait(10)
        _lock(session, "b")  # the first attempt waits for the other transaction, which waits for this one
        for gadget in session.scalars(select(Gadget)):
            gadget.name = f"{gadget.name}!"
        session.commit()
        return "renamed"

    def the_other_transaction():
        with sessions.begin() as session:
            session.execute(text("SET LOCAL deadlock_timeout = '10s'"))
            _lock(session, "b")
            other_holds_b.set()
            view_holds_a.wait(10)
            _lock(session, "a")
        other_committed.set()

    other = threading.Thread(target=the_other_transaction)
    other.start()
    try:
        assert retrying_aborted_transactions(rename_both, request_session.discard)() == "renamed"
    finally:
        other.join(15)
        request_session.discard()
    assert other_committed.is_set()
    assert request_session.opened == 2
    with sessions() as session:
        assert sorted(session.scalars(select(Gadget.name))) == ["a!", "b!"]


@pytest.mark.parametrize(
    ("statement", "error", "attempts"),
    [
        ("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'deadlock_detected'; END $$", OperationalError, ATTEMPTS),
        ("SELECT no_such_column FROM gadget", ProgrammingError, 1),
    ],
    ids=["still deadlocked after every attempt", "any other error at once"],
)
def test_a_failing_view_raises_after_as_many_attempts_as_its_error_allows(sessions, statement, error, attempts):
    request_session = RequestSession(sessions)

    def failing():
        request_session().execute(text(statement))

    with pytest.raises(error):
        retrying_aborted_transactions(failing, request_session.discard)()
    request_session.discard()
    assert request_session.opened == attempts
