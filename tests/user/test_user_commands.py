"""`scs users add`: creates an account through the same function as the web, published like any other; clear errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from federation.db import make_engine, make_session_factory
from federation.migrations import upgrade
from federation.runtime_models import OutboxMessage
from federation.settings import Settings
from systems.user.accounts.commands import users
from systems.user.accounts.models import User
from systems.user.system import SYSTEM


@pytest.fixture
def env(data_dir, sqlite_url):
    """The environment `scs` runs in, with the user database migrated (as `scs db upgrade user` does)."""
    env = {"SCS_DATA_DIR": str(data_dir), "SCS_USER_DATABASE_URL": sqlite_url}
    upgrade(SYSTEM, Settings.from_env("user", env))
    return env


def rows(sqlite_url):
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        users_ = [(u.email, u.display_name, u.roles) for u in session.scalars(select(User))]
        events = [json.loads(body) for body in session.scalars(select(OutboxMessage.body))]
    engine.dispose()
    return users_, events


def test_the_command_is_contributed_to_scs():
    assert users in SYSTEM.commands and "add" in users.commands


def test_add_an_admin(env, sqlite_url):
    result = CliRunner().invoke(
        users, ["add", "Root@Example.org", "--password", "a long admin password", "--admin"], env=env
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("added root@example.org (admin, customer), id ")
    accounts, events = rows(sqlite_url)
    assert accounts == [("root@example.org", "Root", ["admin", "customer"])]
    assert [(e["type"], e["aggregate_version"], e["data"]["roles"]) for e in events] == [
        ("user.registered", 1, ["admin", "customer"])
    ]


def test_the_password_is_asked_for_when_omitted(env, sqlite_url):
    result = CliRunner().invoke(
        users, ["add", "ada@example.org", "--name", "Ada"], input="a long password\na long password\n", env=env
    )
    assert result.exit_code == 0, result.output
    assert rows(sqlite_url)[0] == [("ada@example.org", "Ada", ["customer"])]


def test_duplicates_and_weak_passwords_fail_clearly_with_exit_code_1(env, sqlite_url):
    runner = CliRunner()
    runner.invoke(users, ["add", "ada@example.org", "--password", "a long password"], env=env)
    duplicate = runner.invoke(users, ["add", "ADA@example.org", "--password", "a long password"], env=env)
    assert duplicate.exit_code == 1
    assert (
        "Error: cannot add ADA@example.org: email: An account with this email address already exists."
        in duplicate.output
    )
    weak = runner.invoke(users, ["add", "bob@example.org", "--password", "short"], env=env)
    assert weak.exit_code == 1 and "password: Use at least 10 characters." in weak.output
    assert len(rows(sqlite_url)[0]) == 1 and len(rows(sqlite_url)[1]) == 1


def test_an_unmigrated_database_is_explained(data_dir, tmp_path):
    env = {"SCS_DATA_DIR": str(data_dir), "SCS_USER_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = CliRunner().invoke(users, ["add", "ada@example.org", "--password", "a long password"], env=env)
    assert result.exit_code == 1 and "has `scs db upgrade user` been run?" in result.output
