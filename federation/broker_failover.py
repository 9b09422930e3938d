"""aio-pika connections over the nodes of a broker URL list: the first live node at start, the next one when a node goes.

aio-pika connects to one URL, and its robust connection reconnects to that same URL forever. The relay opens
a plain connection per outage, so `connect_first_live` suffices there; the consumer keeps aio-pika's robust
connection (it restores channels, queues, bindings and consumers after a reconnect) in the variant below,
whose reconnection attempts go round the list.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractRobustConnection
from aio_pika.robust_connection import RobustConnection
from aiormq.exceptions import AMQPError
from yarl import URL

from federation.broker_urls import masked, node_name, parse

log = logging.getLogger(__name__)

CONNECT_ERRORS = (AMQPError, OSError, asyncio.TimeoutError)


class NoBrokerNode(ConnectionError):
    """No node of the list accepted a connection; the message says what each one answered."""


async def connect_first_live(value: str, *, timeout: float, purpose: str) -> AbstractConnection:
    """A connection to the first node of the list that accepts one within `timeout`, trying each in turn."""
    failures = []
    for url in parse(value):
        try:
            connection = await asyncio.wait_for(aio_pika.connect(url), timeout)
        except CONNECT_ERRORS as error:
            failures.append(f"{node_name(url)}: {_reason(error)}")
            continue
        log.info("%s: connected to broker node %s", purpose, node_name(url))
        return connection
    raise NoBrokerNode("no broker node accepted a connection (" + "; ".join(failures) + ")")


async def connect_robust(value: str, *, timeout: float, purpose: str) -> AbstractRobustConnection:
    """A robust connection that starts at the first live node and, whenever its node goes, carries on at the next."""
    urls = parse(value)
    failures = []
    for start in range(len(urls)):
        connection = FailoverConnection(urls, start=start, purpose=purpose)
        try:
            await asyncio.wait_for(connection.connect(), timeout)
        except CONNECT_ERRORS as error:
            failures.append(f"{node_name(urls[start])}: {_reason(error)}")
            await connection.close()
            continue
        return connection
    raise NoBrokerNode("no broker node accepted a connection (" + "; ".join(failures) + ")")


class FailoverConnection(RobustConnection):
    """aio-pika's robust connection whose every reconnection attempt goes to the node after one that failed or went away.

    aio-pika reads `url` once per connection attempt; an attempt that never reached `_on_connected`, or a
    connection that closed, makes the next read move on to the next node of the list.
    """

    def __init__(self, urls: Sequence[str], *, start: int = 0, purpose: str, **kwargs: Any) -> None:
        """A connection over `urls`, trying `urls[start]` first; `purpose` names it in the logs."""
        self._nodes = [URL(url) for url in urls]
        self._current = start % len(self._nodes)
        self._purpose = purpose
        self._move_on = False
        super().__init__(self._nodes[self._current], **kwargs)
        self._move_on = False  # reading the URL's options while constructing was no connection attempt

    @property
    def url(self) -> URL:
        """The node the coming connection attempt goes to."""
        if self._move_on and len(self._nodes) > 1:
            previous = self._nodes[self._current]
            self._current = (self._current + 1) % len(self._nodes)
            log.warning(
                "%s: broker node %s unavailable; trying %s",
                self._purpose,
                node_name(str(previous)),
                node_name(str(self._nodes[self._current])),
            )
        self._move_on = True  # until the attempt reaches _on_connected
        return self._nodes[self._current]

    @url.setter
    def url(self, value: URL) -> None:
        """Replace the current node's URL (aio-pika sets it when constructing and when the password changes)."""
        self._nodes[self._current] = value

    def __str__(self) -> str:
        """The current node, without its password (and without counting as a connection attempt)."""
        return masked(str(self._nodes[self._current]))

    async def _on_connected(self) -> None:
        """The attempt reached the node: stay on it, and say which node this is."""
        await super()._on_connected()
        self._move_on = False
        log.info("%s: connected to broker node %s", self._purpose, node_name(str(self._nodes[self._current])))

    async def _on_connection_close(self, closing: asyncio.Future[Any]) -> None:
        """The node went away (or closed the connection): the reconnection tries the next node."""
        self._move_on = True
        await super()._on_connection_close(closing)


def _reason(error: BaseException) -> str:
    """A short description of why a node refused."""
    text = str(error).strip()
    return f"{error.__class__.__name__}: {text}" if text else error.__class__.__name__
