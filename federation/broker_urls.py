"""Several broker addresses in one setting: SCS_AMQP_URL / SCS_<SYSTEM>_AMQP_URL hold comma-separated URLs of a cluster.

Every process reads the list when it starts, so one malformed entry stops it at once with one line naming that
entry (never its password). Clients then use the first node that answers and move to another when theirs goes:
pika does that natively for a sequence of connection parameters (command line, status); aio-pika does not, so
the worker's connections go through `federation.broker_failover`. A single URL is a list of one.
"""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import pika

SCHEMES = ("amqp", "amqps")
DEFAULT_PORTS = {"amqp": 5672, "amqps": 5671}
_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")


class BrokerUrlError(ValueError):
    """A broker URL setting with a malformed entry; the message names the setting and the entry, without a password."""


def parse(value: str, setting: str = "SCS_AMQP_URL") -> tuple[str, ...]:
    """The node URLs of a comma-separated setting, in order; raises BrokerUrlError naming the first bad entry."""
    entries = [entry.strip() for entry in value.split(",")]
    if not any(entries):
        raise BrokerUrlError(f"{setting} is empty: set it to one or more amqp:// URLs, separated by commas")
    for position, entry in enumerate(entries, start=1):
        problem = _problem(entry)
        if problem:
            where = f"entry {position} of {len(entries)}" if len(entries) > 1 else "the URL"
            raise BrokerUrlError(f"{setting}: {where} ({masked(entry)!r}) {problem}")
    return tuple(entries)


def _problem(entry: str) -> str | None:
    """What is wrong with one entry, or None."""
    if not entry:
        return "is empty (two commas in a row, or one at the end?)"
    try:
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        return "has a port that is not a number from 1 to 65535"
    if parts.scheme not in SCHEMES:
        return "is not an amqp:// or amqps:// URL (a comma inside a password is written %2C)"
    if not parts.hostname:
        return "names no host"
    if port == 0:
        return "has a port that is not a number from 1 to 65535"
    try:
        pika.URLParameters(entry)
    except Exception as error:  # pika raises ValueError, TypeError or its own errors for bad query options
        return f"has an option pika refuses: {error}"
    return None


def masked(url: str) -> str:
    """The URL with its password replaced by ***, fit for logs and error messages."""
    return _PASSWORD.sub(r"\1***@", url)


def node_name(url: str) -> str:
    """host:port of one node, how logs name it."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or DEFAULT_PORTS.get(parts.scheme, 5672)}"


def pika_parameters(value: str) -> list[pika.URLParameters]:
    """Connection parameters per node: pika's BlockingConnection tries a sequence of them in turn."""
    return [pika.URLParameters(url) for url in parse(value)]


def unreachable_reason(value: str, timeout: float = 1.0) -> str | None:
    """None when some node of the list accepts a TCP connection, else why none does (each node, in order)."""
    failures = []
    for url in parse(value):
        parts = urlsplit(url)
        try:
            with socket.create_connection(
                (parts.hostname or "localhost", parts.port or DEFAULT_PORTS[parts.scheme]), timeout=timeout
            ):
                return None
        except OSError as error:
            failures.append(f"{node_name(url)}: {error.strerror or error or error.__class__.__name__}")
    return "no broker node accepts connections (" + "; ".join(failures) + ")"
