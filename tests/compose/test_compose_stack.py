"""`docker compose up` for real: build the image, start the stack from the unmodified docker-compose.yml, order, tear down.

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
ONE_SHOT = ("broker-setup", "demo-data")

pytestmark = [pytest.mark.compose, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def stack():
    """The whole stack under a unique project name and free host ports; always torn down."""
    require_docker(compose=True)
    ports = {
        name: free_port() for name in ("SCS_USER_PORT", "SCS_CATALOG_PORT", "SCS_ORDER_PORT", "SCS_RABBITMQ_UI_PORT")
    }
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "COMPOSE_PROJECT_NAME": f"scs-smoke-{uuid.uuid4().hex[:8]}",
    }

    def compose(*args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker-compose", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=check
        )

    try:
        compose("up", "-d", "--build")
        _await_healthy(compose)
        yield {"compose": compose, "url": lambda system: f"http://127.0.0.1:{ports[f'SCS_{system.upper()}_PORT']}"}
    except subprocess.CalledProcessError as error:
        pytest.fail(f"docker-compose {' '.join(error.cmd[1:])} failed:\n{error.stdout[-3000:]}\n{error.stderr[-3000:]}")
    finally:
        logs = compose("logs", "--no-color", "--tail", "60", check=False, timeout=120)
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / "compose-smoke.log").write_text(logs.stdout + logs.stderr)
        compose("down", "-v", "--remove-orphans", check=False, timeout=300)


def _states(compose) -> dict[str, dict]:
    """Service name -> container state (status, health, exit code)."""
    ids = compose("ps", "-q").stdout.split()
    if not ids:
        return {}
    inspected = json.loads(
        subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=True).stdout
    )
    return {c["Config"]["Labels"]["com.docker.compose.service"]: c["State"] for c in inspected}


def _await_healthy(compose, timeout: float = 600) -> None:
    """Every long-running service healthy and every one-shot service exited 0."""
    deadline = time.monotonic() + timeout
    while True:
        states = _states(compose)
        failed = [
            name
            for name in ONE_SHOT
            if states.get(name, {}).get("Status") == "exited" and states[name]["ExitCode"] != 0
        ]
        if failed:
            raise AssertionError(f"{failed} failed:\n{compose('logs', '--no-color', *failed).stdout[-3000:]}")
        healthy = all(states.get(name, {}).get("Health", {}).get("Status") == "healthy" for name in LONG_RUNNING)
        finished = all(states.get(name, {}).get("Status") == "exited" for name in ONE_SHOT)
        if healthy and finished:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"stack not healthy after {timeout}s: {json.dumps(states, indent=1)[:3000]}")
        time.sleep(2)


def test_a_customer_orders_a_demo_product_and_sees_it_confirmed(stack):
    url = stack["url"]
    token = requests.post(
        f"{url('user')}/api/sessions", json={"email": "ada@example.org", "password": DEMO_PASSWORD}, timeout=10
    )
    assert token.status_code in (200, 201), token.text
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
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
