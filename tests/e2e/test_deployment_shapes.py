"""The order flow in each deployment shape (docs/deployment-shapes.md), what a killed worker leaves working, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pytest
import requests

from tests.conftest import delete_namespace, wait_for
from tests.e2e.federation_processes import ROOT, SYSTEM_NAMES, Federation, free_port
from tests.e2e.journeys import (
    PASSWORD,
    admin_headers,
    answering_uis,
    confirmed_then_too_many_rejected,
    copied_product,
    create_product,
    log_in,
    order_settled,
    place_order,
    register_and_log_in,
)

CATALOG_ORDER_FLOW_FUNCTIONS = ("on_order_placed", "on_user_changed")  # what the flow needs of catalog's reactive side


@pytest.fixture
def shape(tmp_path, namespace, amqp_url):
    """A federation with migrated databases and nothing started; the test starts the shape it is about."""
    federation = Federation(data_dir=tmp_path / "var", namespace=namespace, amqp_url=amqp_url)
    federation.scs("db", "upgrade")
    yield federation
    federation.stop_all()


def _settles_after_a_restart(federation: Federation, kill: str, restart) -> None:
    """SIGKILL `kill`: every UI still answers and an order is still taken (pending); after `restart()` it is confirmed."""
    admin = admin_headers(federation)
    product_id = create_product(federation, admin, stock=3)
    customer = register_and_log_in(federation)
    copied_product(federation, product_id)

    federation.stop(kill, signal.SIGKILL)
    assert answering_uis(federation) == set(SYSTEM_NAMES)
    order = place_order(federation, customer, product_id, 1)
    assert order["status"] == "pending"
    restart()
    assert order_settled(federation, customer, order["id"])["status"] == "confirmed"


def test_one_process_shape_runs_the_order_flow_and_every_ui_outlives_its_killed_worker(shape):
    shape.start_one_process()
    assert set(shape.processes) == {"web", "worker"}
    confirmed_then_too_many_rejected(shape)
    _settles_after_a_restart(shape, "worker", lambda: shape.start_one_process(web=False))


def test_self_contained_shape_keeps_the_other_systems_flows_when_the_order_worker_is_killed(federation):
    def restart() -> None:
        # Before order comes back: user's events still reach catalog's copy (a new admin is admitted there).
        email = f"admin-{uuid.uuid4().hex[:6]}@example.org"
        federation.scs("users", "add", email, "--password", PASSWORD, "--admin")
        headers = log_in(federation, email)
        wait_for(
            lambda: (
                requests.get(f"{federation.url('catalog')}/_status", headers=headers, timeout=10).status_code == 200
            ),
            message="catalog to admit the new admin while order's worker is down",
        )
        federation.start("order-worker")

    _settles_after_a_restart(federation, "order-worker", restart)


def test_function_shape_runs_the_order_flow_with_catalogs_reactive_functions_in_processes_of_their_own(
    shape, amqp_url, namespace
):
    consumers = [f"catalog.fn.{name}" for name in CATALOG_ORDER_FLOW_FUNCTIONS]
    try:
        for name in ("user-worker", "order-worker"):
            shape.start(name)
        for function in CATALOG_ORDER_FLOW_FUNCTIONS:  # no catalog worker: these consume and relay catalog's outbox
            shape.start_function("catalog", function)
        for system in SYSTEM_NAMES:
            shape.start(f"{system}-web")
        confirmed_then_too_many_rejected(shape)

        port = free_port()
        shape.start_function("catalog", "browse_products", port=port)
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and "Enamel mug" in page.text  # its links build, though they lead elsewhere
        assert requests.get(f"http://127.0.0.1:{port}/api/products", timeout=10).status_code == 404
    finally:
        shape.stop_all()
        delete_namespace(amqp_url, namespace, consumers)


@pytest.mark.parametrize(
    ("arguments", "unknown", "valid"),
    [
        (["nosuch", "on_order_placed"], "'nosuch'", ["valid: catalog, order, user"]),
        (["catalog", "place_order"], "'place_order'", ["valid: ", "browse_products", "on_order_placed"]),
    ],
)
def test_scs_function_with_an_unknown_name_exits_non_zero_with_one_line_of_the_valid_names(
    tmp_path, arguments, unknown, valid
):
    result = subprocess.run(
        [sys.executable, "-m", "federation.cli", "function", *arguments],
        cwd=ROOT,
        env={**os.environ, "SCS_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and unknown in lines[0] and all(name in lines[0] for name in valid)
    assert result.stdout == ""
