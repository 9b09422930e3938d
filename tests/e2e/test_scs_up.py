"""`scs up`: one command starts the federation with prefixed output and demo data, and Ctrl-C stops it all."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading

import pytest
import requests

from federation.up import start_message
from tests.conftest import wait_for
from tests.e2e.federation_processes import ROOT, SYSTEM_NAMES, Federation


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.parametrize(
    ("shape", "processes"),
    [
        ([], [f"{name}-{kind}" for name in SYSTEM_NAMES for kind in ("web", "worker")]),
        (["--one-process"], ["web", "worker"]),
    ],
    ids=["self-contained", "one-process"],
)
def test_scs_up_serves_all_three_with_demo_data_and_stops_on_ctrl_c(tmp_path, namespace, amqp_url, shape, processes):
    federation = Federation(data_dir=tmp_path / "var", namespace=namespace, amqp_url=amqp_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "federation.cli", "up", "--demo", *shape],
        cwd=ROOT,
        env=federation.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    output_pipe = process.stdout
    assert output_pipe is not None  # stdout=PIPE
    reader = threading.Thread(target=lambda: lines.extend(iter(output_pipe.readline, "")), daemon=True)
    reader.start()
    try:
        for name in SYSTEM_NAMES:
            wait_for(functools.partial(_healthy, federation.url(name)), timeout=60, message=f"{name} to serve")
        wait_for(
            lambda: any("order: 2 demo record(s) added" in line for line in lines),
            timeout=90,
            message="the demo orders",
        )
        products = requests.get(f"{federation.url('catalog')}/api/products", timeout=5).json()
        assert len(products["items"]) == 12 and products["next"] is None

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0  # a bound against hanging, not a latency limit
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    reader.join(5)
    output = "".join(lines)
    for child in processes:
        assert any(line.startswith(f"{child} ") for line in lines), f"no line of {child}"
    for name in SYSTEM_NAMES:
        assert federation.url(name).replace("127.0.0.1", "") in output or f":{federation.ports[name]}/" in output
        assert not _healthy(federation.url(name)), f"{name} still answers after Ctrl-C"


def test_scs_up_without_a_broker_says_so_in_one_line_and_fails(tmp_path):
    env = {**os.environ, "SCS_DATA_DIR": str(tmp_path), "SCS_AMQP_URL": "amqp://guest:guest@127.0.0.1:1/"}
    result = subprocess.run(
        [sys.executable, "-m", "federation.cli", "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    message = [line for line in result.stderr.splitlines() if line.strip()]
    assert (
        len(message) == 1 and "RabbitMQ is not reachable at amqp://guest:***@127.0.0.1:1/" in message[0]
    )  # no password


def test_scs_up_says_in_one_line_that_it_is_for_development_only():
    lines = start_message(["user", "catalog", "order"]).splitlines()
    assert [line for line in lines if "development only" in line] == [
        "For development only: SECURITY.md says what native mode does not protect."
    ]
