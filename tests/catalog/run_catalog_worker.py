"""Runs the catalog's worker as a separate process (consumer + relay) from SCS_* variables, for the competing-workers test."""

from federation.settings import Settings
from federation.topology import Subscription
from federation.worker import run_worker
from systems.catalog.system import SYSTEM

if __name__ == "__main__":
    run_worker(
        SYSTEM, Settings.from_env("catalog"), subscriptions=[Subscription("catalog", SYSTEM.consumed_event_types)]
    )
