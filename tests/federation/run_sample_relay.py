"""Runs a relay of the sample database's outbox under the relay lease, as `scs worker` does, for the lease tests.

The sample database's outbox holds catalog events (as in test_relay), so the relay publishes as the catalog
would and takes the lease named "catalog". It stops cleanly (releasing the lease) on SIGTERM.
"""

import dataclasses
import signal
import threading

from federation.db import make_engine, make_session_factory
from federation.logs import configure_logging
from federation.settings import Settings
from federation.topology import Subscription
from federation.worker import build_relay
from tests.federation.sample_system import SAMPLE

if __name__ == "__main__":
    configure_logging("sample-relay")
    settings = Settings.from_env("sample")
    relay = build_relay(
        dataclasses.replace(SAMPLE, name="catalog"),
        settings,
        make_session_factory(make_engine(settings.database_url)),
        [Subscription("sample", SAMPLE.consumed_event_types)],
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    relay.run(stop)
