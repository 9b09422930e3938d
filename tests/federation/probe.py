"""A probe queue bound with `#` to producers' exchanges, consumed in a thread: how often, and when, each event arrived."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import pika

from federation.topology import Names


class ExchangeProbe:
    """Counts deliveries per message id on the events exchanges of `producers` (each publish reaches it once)."""

    def __init__(self, amqp_url: str, namespace: str, producers: tuple[str, ...] = ("catalog",)) -> None:
        """Declare the exchanges (as the relays do) and the probe's queue, then start consuming it."""
        self.amqp_url = amqp_url
        self.queue = f"{namespace}.probe.{uuid.uuid4().hex[:8]}"
        self.arrivals: list[tuple[str, str, float]] = []  # (message id, routing key = event type, time.time())
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._bindings = [Names(namespace).events_exchange(producer) for producer in producers]
        self._thread = threading.Thread(target=self._consume, daemon=True)
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("the probe did not start consuming")

    def _consume(self) -> None:
        """Consume until stopped, noting each delivery's message id and arrival time."""
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        channel = connection.channel()
        channel.queue_declare(self.queue, durable=False, auto_delete=False)
        for exchange in self._bindings:
            channel.exchange_declare(exchange, "topic", durable=True)
            channel.queue_bind(self.queue, exchange, routing_key="#")

        def note(_channel, method, properties, _body) -> None:
            with self._lock:
                self.arrivals.append((properties.message_id, method.routing_key, time.time()))

        channel.basic_consume(self.queue, note, auto_ack=True)
        self._ready.set()
        while not self._stop.is_set():
            connection.process_data_events(time_limit=0.1)
        channel.queue_delete(self.queue)
        connection.close()

    def counts(self) -> Counter[str]:
        """Deliveries so far per message id."""
        with self._lock:
            return Counter(message_id for message_id, _, _ in self.arrivals)

    def since(self, moment: float) -> list[tuple[str, str, float]]:
        """Deliveries that arrived after `moment` (time.time())."""
        with self._lock:
            return [arrival for arrival in self.arrivals if arrival[2] > moment]

    def close(self) -> None:
        """Stop consuming and delete the probe's queue."""
        self._stop.set()
        self._thread.join(15)
