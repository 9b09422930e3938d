"""Fixtures shared by every tier: a private broker namespace, and fresh SQLite and PostgreSQL databases.

By default the tests use the RabbitMQ and PostgreSQL answering on this machine (SCS_TEST_AMQP_URL and
SCS_TEST_POSTGRES_URL override them). A service that does not answer is started in a container through
testcontainers when a Docker engine is there (SCS_TEST_CONTAINERS=1 does so for both, whatever answers),
reached through a port published on 127.0.0.1; with neither, the run stops with one line saying what to start.
The header of the run says which each service is.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import pika
import psycopg
import pytest
from pika.exceptions import ChannelClosedByBroker
from sqlalchemy.engine import make_url

from federation.topology import Names, all_names
from tests.prerequisites import ci_requires

TEST_SYSTEMS = ("user", "catalog", "order", "sample")
TEST_RETRY_DELAYS_MS = (100, 300)


LOCAL_AMQP_URL = os.environ.get("SCS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
LOCAL_POSTGRES_URL = os.environ.get("SCS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _answers(url: str, default_port: int) -> bool:
    """True when something accepts TCP connections at the URL's host and port."""
    parsed = urlsplit(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _docker_engine_answers() -> bool:
    """True when a Docker engine takes commands (testcontainers needs one)."""
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def _in_container(local_url: str, default_port: int) -> bool:
    """Start this service with testcontainers: asked for, or nothing answers locally and a Docker engine is there."""
    if os.environ.get("SCS_TEST_CONTAINERS") == "1":
        return True
    return not _answers(local_url, default_port) and _docker_engine_answers()


BROKER_IN_CONTAINER = _in_container(LOCAL_AMQP_URL, 5672)
POSTGRES_IN_CONTAINER = _in_container(LOCAL_POSTGRES_URL, 5432)


def pytest_report_header() -> str:
    """One line saying which broker and database server the run uses."""

    def where(name: str, in_container: bool, url: str) -> str:
        return f"{name} in a container (testcontainers)" if in_container else f"{name} at {_without_password(url)}"

    return (
        f"services: {where('RabbitMQ', BROKER_IN_CONTAINER, LOCAL_AMQP_URL)};"
        f" {where('PostgreSQL', POSTGRES_IN_CONTAINER, LOCAL_POSTGRES_URL)}"
    )


def _without_password(url: str) -> str:
    """The URL as safe to print."""
    return make_url(url).render_as_string(hide_password=True)


def _require_local(name: str, url: str, default_port: int, start_hint: str) -> None:
    """Stop the run with one line when neither the local service nor a Docker engine is there."""
    if not _answers(url, default_port):
        pytest.exit(
            f"no {name} answers at {_without_password(url)} and no Docker engine runs for testcontainers: {start_hint}",
            returncode=3,
        )


@dataclass(frozen=True)
class Broker:
    """The broker the tests talk to, and how to run rabbitmqctl against it (None when no rabbitmqctl reaches it)."""

    url: str
    rabbitmqctl: Callable[[list[str]], str] | None


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    """A real RabbitMQ: the one answering on this machine, or one in a container (see the module's docstring)."""
    if not BROKER_IN_CONTAINER:
        _require_local(
            "RabbitMQ", LOCAL_AMQP_URL, 5672, "start one (rabbitmq-server -detached) or set SCS_TEST_AMQP_URL"
        )
        local = urlsplit(LOCAL_AMQP_URL).hostname in ("127.0.0.1", "localhost", "::1") and shutil.which("rabbitmqctl")
        yield Broker(LOCAL_AMQP_URL, _local_rabbitmqctl if local else None)
        return
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    container = (
        DockerContainer("rabbitmq:3.13-management")
        .with_exposed_ports(5672)
        .waiting_for(LogMessageWaitStrategy("Server startup complete").with_startup_timeout(120))
    )
    with container:
        url = f"amqp://guest:guest@{container.get_container_host_ip()}:{container.get_exposed_port(5672)}/"
        _await_broker(url)

        def rabbitmqctl(args: list[str]) -> str:
            exit_code, output = container.exec(["rabbitmqctl", *args])
            assert exit_code == 0, f"rabbitmqctl {args} in the broker container: {output.decode(errors='replace')}"
            return output.decode()

        yield Broker(url, rabbitmqctl)


def _local_rabbitmqctl(args: list[str]) -> str:
    """Run the machine's rabbitmqctl (its local node)."""
    done = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"rabbitmqctl {args} failed: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def amqp_url(broker: Broker) -> str:
    """The broker URL the tests talk to."""
    return broker.url


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A superuser connection to the PostgreSQL server the tests create their databases in."""
    if not POSTGRES_IN_CONTAINER:
        _require_local("PostgreSQL", LOCAL_POSTGRES_URL, 5432, "start one or set SCS_TEST_POSTGRES_URL")
        yield LOCAL_POSTGRES_URL
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


@pytest.fixture(scope="session")
def new_namespace(broker: Broker) -> Iterator[Callable[[], str]]:
    """Hands out fresh `test-` namespaces; when the session ends, none of them may hold a queue or exchange.

    Only the namespaces this session handed out are checked (other runs share the broker). What is found is
    deleted, so a failing run still leaves the broker as it found it, and reported as an error of the run.
    """
    handed_out: list[str] = []
    can_check = ci_requires(broker.rabbitmqctl is not None, "no rabbitmqctl reaches the broker to list what is left")

    def hand_out() -> str:
        value = f"test-{uuid.uuid4().hex[:10]}"
        handed_out.append(value)
        return value

    yield hand_out
    if not (can_check and handed_out):
        return
    assert broker.rabbitmqctl is not None
    prefixes = tuple(f"{namespace}." for namespace in handed_out)
    left = {
        kind: [
            name
            for name in broker.rabbitmqctl(["--quiet", "--no-table-headers", f"list_{kind}s", "name"]).split()
            if name.startswith(prefixes)
        ]
        for kind in ("queue", "exchange")
    }
    if any(left.values()):
        _delete(broker.url, left["queue"], left["exchange"])
        pytest.fail(f"the test run left broker objects of its namespaces behind (now deleted): {left}", pytrace=False)


@pytest.fixture
def namespace(amqp_url: str, new_namespace: Callable[[], str]) -> Iterator[str]:
    """A random SCS_NAMESPACE, so tests sharing one broker never see each other's messages; removed afterwards."""
    value = new_namespace()
    yield value
    delete_namespace(amqp_url, value)


def delete_namespace(amqp_url: str, namespace: str, consumers: Sequence[str] = ()) -> None:
    """Delete every exchange and queue a namespace of the tests declares (they all use TEST_RETRY_DELAYS_MS).

    `consumers` names consumers with queues of their own besides the systems' (`scs function`: `catalog.fn.…`).
    """
    exchanges, queues = all_names(Names(namespace), [*TEST_SYSTEMS, *consumers], TEST_RETRY_DELAYS_MS)
    _delete(amqp_url, queues, exchanges)


def _delete(amqp_url: str, queues: list[str], exchanges: list[str]) -> None:
    """Delete these queues and exchanges where they exist."""
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


Awaited = TypeVar("Awaited")


def wait_for(
    condition: Callable[[], Awaited | None], timeout: float = 15.0, interval: float = 0.05, message: str = ""
) -> Awaited:
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
    """Headers of an API caller with a freshly minted token; takes the claims mint_token takes, e.g. roles=["admin"]."""
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
