"""`scs broker-definitions` writes the topology, users and permissions of the namespace it runs in (SCS_NAMESPACE)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.e2e.federation_processes import ROOT

PASSWORDS = {
    "SCS_BROKER_ADMIN_PASSWORD": "a",
    "SCS_USER_AMQP_PASSWORD": "u",
    "SCS_CATALOG_AMQP_PASSWORD": "c",
    "SCS_ORDER_AMQP_PASSWORD": "o",
}


def broker_definitions(namespace: str | None) -> dict:
    """The document `scs broker-definitions` prints with SCS_NAMESPACE set to `namespace` (unset for None)."""
    env = {**os.environ, **PASSWORDS}
    env.pop("SCS_NAMESPACE", None)
    if namespace is not None:
        env["SCS_NAMESPACE"] = namespace
    done = subprocess.run(
        [sys.executable, "-m", "federation.cli", "broker-definitions"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def test_broker_definitions_honour_the_namespace():
    document = broker_definitions("shop")
    assert {exchange["name"] for exchange in document["exchanges"]} >= {"shop.catalog.events", "shop.order.dlx"}
    assert all(queue["name"].startswith("shop.") for queue in document["queues"])
    assert all(binding["source"].startswith("shop.") for binding in document["bindings"])
    assert {user["name"] for user in document["users"]} == {"admin", "shop.user", "shop.catalog", "shop.order"}
    order = next(p for p in document["permissions"] if p["user"] == "shop.order")
    assert order["configure"] == order["write"] == r"^shop\.order\."
    assert order["read"] == r"^(shop\.order\.|shop\.catalog\.events$|shop\.user\.events$)"


def test_without_a_namespace_the_names_are_bare():
    document = broker_definitions(None)
    assert {user["name"] for user in document["users"]} == {"admin", "user", "catalog", "order"}
    assert "catalog.events" in {exchange["name"] for exchange in document["exchanges"]}
