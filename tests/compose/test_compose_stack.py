"""`docker compose up` for real: build the image, start the stack from the unmodified docker-compose.yml, order, tear down.

The stack runs scaled out (three catalog workers, two order workers), with passwords made up for the run, so the
tests can tell that every event reaches its exchange once and that no container holds another system's secrets.
Needs a Docker engine (`../shared/compose-standins/build` starts one here, with local stand-ins for the base
images). Without an engine the test is skipped locally and fails in CI (tests/prerequisites.py), so CI always runs it.
Run it alone with: `python -m pytest -m compose`.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import wait_for
from tests.e2e.federation_processes import free_port
from tests.prerequisites import require_docker

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-password-2026"
LONG_RUNNING = (
    "user-web",
    "user-worker",
    "catalog-web",
    "catalog-worker",
    "order-web",
    "order-worker",
    "rabbitmq",
    "postgres",
)
ONE_SHOT = ("broker-setup", "user-demo-data", "catalog-demo-data", "order-demo-data")
REPLICAS = {"catalog-worker": 3, "order-worker": 2}
SYSTEMS = ("user", "catalog", "order")

pytestmark = [pytest.mark.compose, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def stack():
    """The whole stack under a unique project name and free host ports; always torn down."""
    require_docker(compose=True)
    ports = {
        name: free_port() for name in ("SCS_USER_PORT", "SCS_CATALOG_PORT", "SCS_ORDER_PORT", "SCS_RABBITMQ_UI_PORT")
    }
    secrets = {
        f"SCS_{system.upper()}_{kind}_PASSWORD": f"{system}-{kind.lower()}-{uuid.uuid4().hex}"
        for system in SYSTEMS
        for kind in ("AMQP", "DB")
    }
    secrets["SCS_BROKER_ADMIN_PASSWORD"] = f"admin-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        **secrets,
        "COMPOSE_PROJECT_NAME": f"scs-smoke-{uuid.uuid4().hex[:8]}",
    }

    def compose(*args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker-compose", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=check
        )

    try:
        scale = [option for service, count in REPLICAS.items() for option in ("--scale", f"{service}={count}")]
        compose("up", "-d", "--build", *scale)
        _await_healthy(compose)
        yield {
            "compose": compose,
            "url": lambda system: f"http://127.0.0.1:{ports[f'SCS_{system.upper()}_PORT']}",
            "broker_api": f"http://127.0.0.1:{ports['SCS_RABBITMQ_UI_PORT']}/api",
            "secrets": secrets,
        }
    except subprocess.CalledProcessError as error:
        pytest.fail(f"docker-compose {' '.join(error.cmd[1:])} failed:\n{error.stdout[-3000:]}\n{error.stderr[-3000:]}")
    finally:
        logs = compose("logs", "--no-color", "--tail", "60", check=False, timeout=120)
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / "compose-smoke.log").write_text(logs.stdout + logs.stderr)
        compose("down", "-v", "--remove-orphans", check=False, timeout=300)


def _containers(compose) -> list[dict]:
    """`docker inspect` of every container of the project."""
    ids = compose("ps", "-q").stdout.split()
    if not ids:
        return []
    return json.loads(subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=True).stdout)


def _service(container: dict) -> str:
    """The compose service a container runs."""
    return container["Config"]["Labels"]["com.docker.compose.service"]


def _await_healthy(compose, timeout: float = 600) -> None:
    """Every replica of every long-running service healthy and every one-shot service exited 0."""
    deadline = time.monotonic() + timeout
    while True:
        states: dict[str, list[dict]] = {}
        for container in _containers(compose):
            states.setdefault(_service(container), []).append(container["State"])
        failed = [
            name
            for name in ONE_SHOT
            for state in states.get(name, [])
            if state["Status"] == "exited" and state["ExitCode"] != 0
        ]
        if failed:
            raise AssertionError(f"{failed} failed:\n{compose('logs', '--no-color', *failed).stdout[-3000:]}")
        healthy = all(
            len(states.get(name, [])) == REPLICAS.get(name, 1)
            and all(state.get("Health", {}).get("Status") == "healthy" for state in states[name])
            for name in LONG_RUNNING
        )
        finished = all(states.get(name) and states[name][0]["Status"] == "exited" for name in ONE_SHOT)
        if healthy and finished:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"stack not healthy after {timeout}s: {json.dumps(states, indent=1)[:3000]}")
        time.sleep(2)


def _log_in(url) -> dict:
    """API headers of the demo customer."""
    token = requests.post(
        f"{url('user')}/api/sessions", json={"email": "ada@example.org", "password": DEMO_PASSWORD}, timeout=10
    )
    assert token.status_code in (200, 201), token.text
    return {"Authorization": f"Bearer {token.json()['token']}"}


def test_a_customer_orders_a_demo_product_and_sees_it_confirmed(stack):
    url = stack["url"]
    headers = _log_in(url)
    products = requests.get(f"{url('order')}/api/products", timeout=10).json()["items"]
    mug = next(p for p in products if p["sku"] == "MUG-002")
    placed = requests.post(
        f"{url('order')}/api/orders",
        json={"lines": [{"product_id": mug["id"], "quantity": 1}]},
        headers=headers,
        timeout=10,
    )
    assert placed.status_code == 201, placed.text

    def settled():
        order = requests.get(f"{url('order')}/api/orders/{placed.json()['id']}", headers=headers, timeout=10).json()
        return order if order["status"] != "pending" else None

    assert wait_for(settled, timeout=60, interval=0.5)["status"] == "confirmed"
    assert (
        requests.get(f"{url('catalog')}/api/products/{mug['id']}", timeout=10).json()["stock"] == mug["available"] - 1
    )


PUBLISH_AS_ORDER = """
import os, pika, sys
connection = pika.BlockingConnection(pika.URLParameters(os.environ["SCS_ORDER_AMQP_URL"]))
channel = connection.channel()
channel.confirm_delivery()
try:
    channel.basic_publish(sys.argv[1], "order.smoke_test", b"{}")  # a key no queue is bound to
    print("ALLOWED")
except pika.exceptions.ChannelClosedByBroker as error:
    print("REFUSED", error.reply_code, error.reply_text)
"""


def test_the_order_systems_broker_user_may_publish_only_to_its_own_exchange(stack):
    def publish(exchange: str) -> str:
        return stack["compose"](
            "exec", "-T", "order-worker", "python3", "-c", PUBLISH_AS_ORDER, exchange
        ).stdout.strip()

    refused = publish("catalog.events")
    assert refused.startswith("REFUSED 403") and "ACCESS_REFUSED" in refused
    assert publish("order.events") == "ALLOWED"


def test_a_systems_database_login_cannot_open_another_systems_database(stack):
    def connect(login: str, database: str) -> subprocess.CompletedProcess:
        password = f'"$SCS_{login.upper()}_DB_PASSWORD"'  # set in the postgres service's environment
        command = f'PGPASSWORD={password} psql -h 127.0.0.1 -U {login}_svc -d {database} -tAc "select current_user"'
        return stack["compose"]("exec", "-T", "postgres", "sh", "-c", command, check=False)

    own = connect("order", "order")
    assert own.returncode == 0 and own.stdout.strip() == "order_svc", own.stderr
    for login, database in (("order", "catalog"), ("order", "user"), ("catalog", "order")):
        refused = connect(login, database)
        assert refused.returncode != 0 and "permission denied for database" in refused.stderr, (
            login,
            database,
            refused.stderr,
        )


OUTBOX_BACKLOG = """
import sys
from federation.db import make_engine, make_session_factory
from federation.outbox import outbox_backlog
from federation.settings import Settings
with make_session_factory(make_engine(Settings.from_env(sys.argv[1]).database_url))() as session:
    print(outbox_backlog(session))
"""


class _Probe:
    """A queue bound with `#` to every system's events exchange, to count how often each event reaches it.

    Made through the broker's management API (its port is the only one of the broker published on the host).
    """

    def __init__(self, api: str, password: str) -> None:
        self.api, self.auth = api, ("admin", password)
        self.queue = f"probe-{uuid.uuid4().hex[:8]}"
        self._request("put", f"/queues/%2F/{self.queue}", {"durable": False, "auto_delete": False})
        for system in SYSTEMS:
            self._request("post", f"/bindings/%2F/e/{system}.events/q/{self.queue}", {"routing_key": "#"})

    def take_all(self) -> list[dict]:
        """Every message in the probe queue (removed from it)."""
        taken: list[dict] = []
        while batch := self._request(
            "post", f"/queues/%2F/{self.queue}/get", {"count": 1000, "ackmode": "ack_requeue_false", "encoding": "auto"}
        ):
            taken += batch
        return taken

    def delete(self) -> None:
        self._request("delete", f"/queues/%2F/{self.queue}")

    def _request(self, method: str, path: str, body: dict | None = None):
        response = requests.request(method, f"{self.api}{path}", json=body, auth=self.auth, timeout=10)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None


def test_three_catalog_workers_confirm_orders_and_every_event_reaches_its_exchange_once(stack):
    url, compose = stack["url"], stack["compose"]
    probe = _Probe(stack["broker_api"], stack["secrets"]["SCS_BROKER_ADMIN_PASSWORD"])
    try:
        headers = _log_in(url)
        products = requests.get(f"{url('order')}/api/products", timeout=10).json()["items"]
        tea = next(p for p in products if p["sku"] == "TEA-030")
        order_ids = []
        for _ in range(5):
            placed = requests.post(
                f"{url('order')}/api/orders",
                json={"lines": [{"product_id": tea["id"], "quantity": 1}]},
                headers=headers,
                timeout=10,
            )
            assert placed.status_code == 201, placed.text
            order_ids.append(placed.json()["id"])

        def status(order_id: str) -> str:
            return requests.get(f"{url('order')}/api/orders/{order_id}", headers=headers, timeout=10).json()["status"]

        wait_for(lambda: all(status(o) != "pending" for o in order_ids), timeout=60, interval=0.5, message="the orders")
        assert [status(o) for o in order_ids] == ["confirmed"] * 5

        def backlog(system: str) -> int:
            return int(compose("exec", "-T", f"{system}-worker", "python3", "-c", OUTBOX_BACKLOG, system).stdout)

        # Once every outbox row is marked published, every publish of it was confirmed, so it is in the probe
        # queue (a relay racing another would have published its copy before the row was marked).
        wait_for(
            lambda: backlog("catalog") == 0 and backlog("order") == 0, timeout=60, interval=1, message="the relays"
        )
        messages = probe.take_all()
    finally:
        probe.delete()
    deliveries: dict[str, int] = {}
    for message in messages:
        message_id = message["properties"]["message_id"]
        deliveries[message_id] = deliveries.get(message_id, 0) + 1
    seen = {(json.loads(m["payload"])["aggregate_id"], m["routing_key"]) for m in messages}
    for order_id in order_ids:
        assert {(order_id, "order.placed"), (order_id, "catalog.stock.reserved"), (order_id, "order.confirmed")} <= seen
    assert (tea["id"], "catalog.product.updated") in seen
    published_more_than_once = {message_id: count for message_id, count in deliveries.items() if count > 1}
    assert published_more_than_once == {}, (
        f"{len(published_more_than_once)} of {len(deliveries)} events published twice or more"
    )


def test_no_container_of_a_system_holds_another_systems_secrets(stack):
    secrets = stack["secrets"]
    checked = set()
    for container in _containers(stack["compose"]):
        service = _service(container)
        owner = service.split("-", 1)[0]
        if owner not in SYSTEMS:
            continue  # the broker, the database and the one-shot broker set-up are nobody's system
        inspected = json.dumps(container)
        for system in SYSTEMS:
            for kind in ("AMQP", "DB"):
                held = secrets[f"SCS_{system.upper()}_{kind}_PASSWORD"] in inspected
                assert held == (system == owner), (
                    f"{container['Name']} ({service}) holding {system}'s {kind} password: {held}"
                )
        assert secrets["SCS_BROKER_ADMIN_PASSWORD"] not in inspected, (
            f"{container['Name']} holds the broker admin password"
        )
        checked.add(service)
    assert checked == {f"{system}-{part}" for system in SYSTEMS for part in ("web", "worker", "demo-data")}
