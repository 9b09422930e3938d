"""Runs the sample system's worker as a separate process, so a test can SIGKILL it mid-message."""

from federation.logs import configure_logging
from federation.settings import Settings
from federation.topology import Subscription
from federation.worker import run_worker
from tests.federation.sample_system import SAMPLE

if __name__ == "__main__":
    configure_logging("sample-worker")
    run_worker(SAMPLE, Settings.from_env("sample"), subscriptions=[Subscription("sample", SAMPLE.consumed_event_types)])
