"""Fixtures shared by every tier: a private broker namespace, and fresh SQLite and PostgreSQL databases.

By default the tests use the RabbitMQ and PostgreSQL running on this machine (SCS_TEST_AMQP_URL and
SCS_TEST_POSTGRES_URL override them). With SCS_TEST_CONTAINERS=1 they start both in containers through
testcontainers instead (needs a Docker engine), reached through ports published on 127.0.0.1.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pika
import psycopg
import pytest
from pika.exceptions import ChannelClosedByBroker

from federation.topology import Names, all_names

TEST_SYSTEMS = ("user", "catalog", "order", "sample")
TEST_RETRY_DELAYS_MS = (100, 300)


USE_CONTAINERS = os.environ.get("SCS_TEST_CONTAINERS") == "1"


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """The broker the tests talk to (a real RabbitMQ)."""
    if not USE_CONTAINERS:
        yield os.environ.get("SCS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
        return
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    broker = (
        DockerContainer("rabbitmq:3.13-management")
        .with_exposed_ports(5672)
        .waiting_for(LogMessageWaitStrategy("Server startup complete").with_startup_timeout(120))
    )
    with broker:
        url = f"amqp://guest:guest@{broker.get_container_host_ip()}:{broker.get_exposed_port(5672)}/"
        _await_broker(url)
        yield url


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A superuser connection to the PostgreSQL server the tests create their databases in."""
    if not USE_CONTAINERS:
        yield os.environ.get("SCS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        return
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    server = (
        DockerContainer("postgres:16")
        .with_env("POSTGRES_PASSWORD", "test")
        .with_exposed_ports(5432)
        .waiting_for(
            LogMessageWaitStrategy("database system is ready to accept connections", times=2).with_startup_timeout(120)
        )
    )
    with server:
        url = f"postgresql://postgres:test@{server.get_container_host_ip()}:{server.get_exposed_port(5432)}/postgres"
        _await_postgres(url)
        yield url


def _await_postgres(url: str, timeout: float = 60) -> None:
    """The server restarts once after its first initialisation; wait until it answers a query."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as connection:
                connection.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _await_broker(url: str, timeout: float = 60) -> None:
    """The log line comes a moment before the AMQP port takes connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pika.BlockingConnection(pika.URLParameters(url)).close()
            return
        except pika.exceptions.AMQPConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture
def namespace(amqp_url: str) -> Iterator[str]:
    """A random SCS_NAMESPACE, so tests sharing one broker never see each other's messages; removed afterwards."""
    value = f"test-{uuid.uuid4().hex[:10]}"
    yield value
    delete_namespace(amqp_url, value)


def delete_namespace(amqp_url: str, namespace: str) -> None:
    """Delete every exchange and queue a namespace can hold."""
    exchanges, queues = all_names(Names(namespace), TEST_SYSTEMS, TEST_RETRY_DELAYS_MS)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        for kind, names in (("queue", queues), ("exchange", exchanges)):
            for name in names:
                channel = connection.channel()
                try:
                    if kind == "queue":
                        channel.queue_delete(name)
                    else:
                        channel.exchange_delete(name)
                    channel.close()
                except ChannelClosedByBroker:
                    pass
    finally:
        connection.close()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    name = f"scs_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = postgres_admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


def wait_for(
    condition: Callable[[], object], timeout: float = 15.0, interval: float = 0.05, message: str = ""
) -> object:
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message or condition}")
        time.sleep(interval)


@pytest.fixture
def data_dir(tmp_path):
    """SCS_DATA_DIR of the test: SQLite files, generated keys and secrets live here."""
    path = tmp_path / "var"
    path.mkdir()
    return path


@pytest.fixture
def mint_token(data_dir):
    """Mint tokens the way the user system does, with a key whose public half the systems find in data_dir/keys."""
    from datetime import timedelta

    from federation.auth import sign_token
    from federation.keys import current_signing_key

    key = current_signing_key(data_dir / "keys")

    def mint(user_id=None, display_name: str = "Test User", roles=("customer",), ttl=timedelta(minutes=30), **claims):
        return sign_token(
            key,
            user_id=user_id or uuid.uuid4(),
            display_name=display_name,
            roles=list(roles),
            issuer=claims.get("issuer", "scs-user"),
            audience=claims.get("audience", "scs"),
            ttl=ttl,
        )

    return mint


@pytest.fixture
def auth_headers(mint_token):
    """Headers of an API caller with a freshly minted token: auth_headers(roles=["admin"]) and so on, as mint_token."""
    return lambda **claims: {"Authorization": f"Bearer {mint_token(**claims)}"}


def account_known(app, user_id: uuid.UUID, *, roles=("customer",), version: int = 1, tokens_valid_after=None) -> None:
    """Tell a catalog or order app about an account as the user system does (a user.profile_updated via its consumer).

    A token of that account may then use the roles the app's copy grants, e.g. admin. The user system has no copy.
    """
    from federation.worker import build_consumer
    from shared_contracts import new_event
    from shared_contracts.examples import example_data

    data = {
        **example_data("user.profile_updated"),
        "id": str(user_id),
        "roles": list(roles),
        "tokens_valid_after": tokens_valid_after and tokens_valid_after.isoformat(),
    }
    runtime = app.extensions["scs"]
    if "user.profile_updated" not in runtime.system.event_handlers:
        return
    event = new_event("user.profile_updated", data, aggregate_id=str(user_id), aggregate_version=version)
    assert build_consumer(runtime.system, runtime.settings, runtime.session_factory).apply(event)


@pytest.fixture
def admin_headers(auth_headers):
    """Headers of an admin that `app` (catalog or order) knows from its copy; claims as for auth_headers."""

    def headers(app, **claims):
        user_id = claims.pop("user_id", None) or uuid.uuid4()
        account_known(app, user_id, roles=("admin", "customer"))
        return auth_headers(user_id=user_id, roles=["admin"], **claims)

    return headers
