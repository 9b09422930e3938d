"""The demo accounts are registered and published once, and can log in with the demo password."""

from __future__ import annotations

from sqlalchemy import select

from federation.runtime_models import OutboxMessage
from federation.systems import DemoScale
from systems.user.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_accounts
from tests.user.support import log_in, migrated_app


def test_demo_accounts_are_registered_once_and_can_log_in(data_dir, sqlite_url):
    app = migrated_app(data_dir, sqlite_url)
    factory = app.extensions["scs"].session_factory
    for expected in ([(len(DEMO_ACCOUNTS), len(DEMO_ACCOUNTS))], []):
        with factory() as session:
            assert list(load_demo_accounts(session, DemoScale())) == expected
            session.commit()
    with factory() as session:
        registered = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "user.registered")).all()
    assert len(registered) == len(DEMO_ACCOUNTS)
    response = log_in(app.test_client(), "admin@example.org", DEMO_PASSWORD)
    assert response.status_code == 201 and response.json["token"]
