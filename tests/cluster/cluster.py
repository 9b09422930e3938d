"""The three-node RabbitMQ cluster of docker-compose.cluster.yml, started for a test under a project name of its own.

Only the broker part of the stack runs (broker-setup, erlang-cookie, the three nodes, rabbitmq-cluster-ready);
tests/cluster/docker-compose.ports.yml publishes each node's AMQP port on 127.0.0.1 so that the systems can run
as processes on the host. Stopping and starting a node is `docker-compose stop/start` of its service.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid

from tests.e2e.federation_processes import ROOT, free_port

FILES = ("docker-compose.yml", "docker-compose.cluster.yml", "tests/cluster/docker-compose.ports.yml")
NODES = ("rabbitmq", "rabbitmq-2", "rabbitmq-3")
NODE_NAMES = {"rabbitmq": "rabbit@rabbitmq-1", "rabbitmq-2": "rabbit@rabbitmq-2", "rabbitmq-3": "rabbit@rabbitmq-3"}
PASSWORDS = {"admin": "admin-dev", "user": "user-dev", "catalog": "catalog-dev", "order": "order-dev"}


class ComposeCluster:
    """`docker-compose -p <unique> -f docker-compose.yml -f docker-compose.cluster.yml ...` with free host ports."""

    def __init__(self) -> None:
        """Pick the project name and the host ports (nothing runs before `up`)."""
        self.project = f"scs-cluster-{uuid.uuid4().hex[:8]}"
        self.ports = {node: free_port() for node in NODES}
        self.env = {
            **os.environ,
            "COMPOSE_PROJECT_NAME": self.project,
            "SCS_RABBITMQ_UI_PORT": str(free_port()),
            **{f"SCS_TEST_NODE_{i}_PORT": str(self.ports[node]) for i, node in enumerate(NODES, start=1)},
        }

    def compose(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one docker-compose command on this project."""
        files = [option for name in FILES for option in ("-f", name)]
        return subprocess.run(
            ["docker-compose", *files, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def up(self, timeout: float = 900) -> None:
        """Build the image (for broker-setup), start the cluster and wait until every quorum queue has its members."""
        self.compose("up", "-d", "--build", "rabbitmq-cluster-ready", timeout=timeout)
        deadline = time.monotonic() + timeout
        while (state := self._state("rabbitmq-cluster-ready")).get("Status") != "exited":
            if time.monotonic() > deadline:
                raise AssertionError(f"the cluster did not form: {self.logs()[-4000:]}")
            time.sleep(2)
        if state["ExitCode"] != 0:
            raise AssertionError(f"rabbitmq-cluster-ready failed: {self.logs('rabbitmq-cluster-ready')[-4000:]}")

    def url(self, user: str, order: tuple[str, ...] = NODES) -> str:
        """The comma-separated broker URL list of `user`, nodes in the given order."""
        return ",".join(f"amqp://{user}:{PASSWORDS[user]}@127.0.0.1:{self.ports[node]}/" for node in order)

    def stop(self, *nodes: str) -> None:
        """Stop nodes (a clean shutdown, as an operator or a rolling restart does)."""
        self.compose("stop", "-t", "30", *nodes)

    def start(self, *nodes: str) -> None:
        """Start stopped nodes again, together: each waits at boot for the peers that ran when it stopped.

        `docker start`, not `docker-compose start`, which would start them one after the other, each waiting for
        the health of the services it depends on: node 1 would wait for the tables of a node 3 not started yet.
        """
        ids = [self.compose("ps", "-a", "-q", node).stdout.strip() for node in nodes]
        subprocess.run(["docker", "start", *ids], capture_output=True, text=True, check=True, timeout=120)

    def await_running(self, nodes: int = 3, timeout: float = 300) -> None:
        """Wait until `nodes` nodes run the broker, as seen from any node that answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in NODES:
                result = self.rabbitmqctl(node, "-q", "await_online_nodes", str(nodes), "--timeout", "10", check=False)
                if result.returncode == 0:
                    return
            time.sleep(1)
        raise AssertionError(f"{nodes} nodes not running after {timeout}s")

    def queues(self) -> list[dict]:
        """Every queue with its type, members and online members (rabbitmqctl list_queues on a node that answers)."""
        for node in NODES:
            result = self.rabbitmqctl(
                node, "-q", "list_queues", "name", "type", "members", "online", "--formatter", "json", check=False
            )
            if result.returncode == 0:
                return json.loads(result.stdout)
        raise AssertionError("no node lists its queues")

    def rabbitmqctl(self, node: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run rabbitmqctl inside a node's container."""
        return self.compose("exec", "-T", node, "rabbitmqctl", *args, timeout=120, check=check)

    def logs(self, *services: str) -> str:
        """The last lines of the services' logs."""
        result = self.compose("logs", "--no-color", "--tail", "80", *services, check=False, timeout=120)
        return result.stdout + result.stderr

    def down(self) -> None:
        """Remove the containers, the network and the volumes."""
        self.compose("down", "-v", "--remove-orphans", check=False, timeout=300)

    def _state(self, service: str) -> dict:
        """The container state of a service (empty before it exists)."""
        ids = self.compose("ps", "-a", "-q", service, check=False).stdout.split()
        if not ids:
            return {}
        inspected = subprocess.run(["docker", "inspect", ids[0]], capture_output=True, text=True, check=True).stdout
        return json.loads(inspected)[0]["State"]
