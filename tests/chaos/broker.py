"""A RabbitMQ of the chaos suite's own, in a container, so it can be restarted and paused without touching anyone else's."""

from __future__ import annotations

import subprocess
import time

import pika

from tests.e2e.federation_processes import free_port
from tests.prerequisites import require_docker


class ContainerBroker:
    """rabbitmq:3.13-management on a free 127.0.0.1 port; restart, pause and unpause it at will."""

    def __init__(self) -> None:
        """Start the container and wait until it accepts connections."""
        port = free_port()  # fixed, not ephemeral: Docker would pick a new ephemeral port on every restart
        self.container = subprocess.run(
            ["docker", "run", "-d", "-p", f"127.0.0.1:{port}:5672", "rabbitmq:3.13-management"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        self.url = f"amqp://guest:guest@127.0.0.1:{port}/"
        self.await_ready()

    def await_ready(self, timeout: float = 90) -> None:
        """Wait until the broker accepts AMQP connections."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                pika.BlockingConnection(pika.URLParameters(self.url)).close()
                return
            except pika.exceptions.AMQPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def restart(self) -> None:
        """Stop and start the broker (durable queues and persistent messages must survive)."""
        subprocess.run(["docker", "restart", "-t", "10", self.container], capture_output=True, check=True)
        self.await_ready()

    def pause(self) -> None:
        """Freeze the broker: connections hang, nothing is lost, nothing moves."""
        subprocess.run(["docker", "pause", self.container], capture_output=True, check=True)

    def unpause(self) -> None:
        """Let the frozen broker carry on."""
        subprocess.run(["docker", "unpause", self.container], capture_output=True, check=True)

    def remove(self) -> None:
        """Throw the container away."""
        subprocess.run(["docker", "rm", "-f", self.container], capture_output=True)


def start_container_broker() -> ContainerBroker:
    """A fresh broker, or skip (locally) / fail (in CI) without a Docker engine."""
    require_docker()
    return ContainerBroker()
