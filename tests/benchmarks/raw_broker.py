"""The raw baseline: aio-pika publishing with pipelined confirms into a quorum queue, a consume-and-ack loop in another process.

Publishing pipelines its confirms as the relay does: a burst is sent in windows of WINDOW messages whose confirms
are awaited together, a paced run sends each message without waiting for the previous one's confirm. (The first
version awaited each confirm before the next publish: 682 messages/s here, a rate the relay no longer works at.)

Run as a module, this file is that consumer: `python -m tests.benchmarks.raw_broker URL QUEUE COUNT` prints
`ready`, then one JSON line with each message's publish-to-ack latency and the time of the last ack.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass

import aio_pika

from tests.benchmarks.report import percentile

PREFETCH = 50
WINDOW = 200  # the relay's batch size


@dataclass(frozen=True)
class RawRun:
    """What one raw run measured."""

    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        """Messages per second from the first publish to the last ack."""
        return self.count / self.seconds

    def latency_ms(self, fraction: float) -> float:
        """A publish-to-ack latency percentile in milliseconds."""
        return percentile(self.latencies, fraction) * 1000


async def _consume(amqp_url: str, queue_name: str, count: int) -> None:
    """Ack `count` messages one by one, then report latencies (now minus the sender's timestamp) and the last ack."""
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=PREFETCH)
    queue = await channel.get_queue(queue_name, ensure=False)
    latencies: list[float] = []
    done = asyncio.Event()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        await message.ack()
        latencies.append(time.time() - json.loads(message.body)["sent"])
        if len(latencies) == count:
            done.set()

    await queue.consume(on_message)
    print("ready", flush=True)
    await done.wait()
    print(json.dumps({"last_ack": time.time(), "latencies": latencies}), flush=True)
    await connection.close()


async def _publish(amqp_url: str, exchange_name: str, count: int, body_size: int, rate: float | None) -> float:
    """Publish `count` persistent messages of `body_size` bytes with confirms, pipelined; paced at `rate` if given.

    Unpaced: windows of WINDOW messages, each window's confirms awaited together. Paced: each message sent on time,
    its confirm awaited beside the next sends. Returns when the first message was sent; all are confirmed on return.
    """
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(exchange_name, ensure=False)

    def send(seq: int):
        head = json.dumps({"seq": seq, "sent": time.time()}).encode()
        body = head + b" " * max(0, body_size - len(head))
        return exchange.publish(
            aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, content_type="application/json"),
            routing_key="raw",
        )

    started = time.time()
    if rate:
        pending = []
        for seq in range(count):
            await asyncio.sleep(max(0.0, started + seq / rate - time.time()))
            pending.append(asyncio.ensure_future(send(seq)))
        await asyncio.gather(*pending)
    else:
        for first in range(0, count, WINDOW):
            await asyncio.gather(*(send(seq) for seq in range(first, min(count, first + WINDOW))))
    await connection.close()
    return started


async def _declare(amqp_url: str, exchange_name: str, queue_name: str) -> None:
    """A durable exchange and a quorum queue like a system's inbox, bound with one key."""
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(queue_name, durable=True, arguments={"x-queue-type": "quorum"})
    await queue.bind(exchange, routing_key="raw")
    await connection.close()


async def _delete(amqp_url: str, exchange_name: str, queue_name: str) -> None:
    """Remove the raw baseline's exchange and queue."""
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    await channel.queue_delete(queue_name)
    await channel.exchange_delete(exchange_name)
    await connection.close()


def run_raw(amqp_url: str, namespace: str, count: int, body_size: int, rate: float | None = None) -> RawRun:
    """One raw run: consumer process started and ready, then `count` messages published (paced at `rate` if given)."""
    exchange_name, queue_name = f"{namespace}.bench.raw", f"{namespace}.bench.raw"
    asyncio.run(_declare(amqp_url, exchange_name, queue_name))
    consumer = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.raw_broker", amqp_url, queue_name, str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert consumer.stdout is not None
        if consumer.stdout.readline().strip() != "ready":
            raise RuntimeError("raw consumer did not start")
        started = asyncio.run(_publish(amqp_url, exchange_name, count, body_size, rate))
        report = json.loads(consumer.stdout.readline())
        consumer.wait(30)
    finally:
        if consumer.poll() is None:
            consumer.kill()
        asyncio.run(_delete(amqp_url, exchange_name, queue_name))
    return RawRun(count=count, seconds=report["last_ack"] - started, latencies=report["latencies"])


if __name__ == "__main__":
    asyncio.run(_consume(sys.argv[1], sys.argv[2], int(sys.argv[3])))
