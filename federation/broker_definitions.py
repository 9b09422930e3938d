"""RabbitMQ definitions for a least-privilege deployment: the whole topology, one user per system, prefix permissions."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from typing import Any

from federation.provenance import broker_user
from federation.systems import System
from federation.topology import Names, Subscription, consumer_declaration

ADMIN_USER = "admin"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256 format: base64(salt + sha256(salt + password))."""
    salt = salt if salt is not None else os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def permissions_for(system: System, namespace: str = "") -> dict[str, str]:
    """Configure and write (publish, bind) only its own objects; read its own and the exchanges of the systems it copies.

    Nobody gets the default exchange, so no system can drop messages into another system's queues. With a
    namespace (SCS_NAMESPACE), every pattern starts with `<namespace>.`, as the names do.
    """
    prefix = re.escape(f"{namespace}.") if namespace else ""
    own = f"{prefix}{re.escape(system.name)}\\."
    sources = sorted({event_type.split(".", 1)[0] for event_type in system.consumed_event_types})
    read_sources = "".join(f"|{prefix}{re.escape(source)}\\.events$" for source in sources)
    return {"configure": f"^{own}", "write": f"^{own}", "read": f"^({own}{read_sources})"}


def definitions(
    systems: list[System],
    passwords: dict[str, str],
    retry_delays_ms: tuple[int, ...],
    vhost: str = "/",
    namespace: str = "",
) -> dict[str, Any]:
    """The definitions file content (users with hashed passwords, permissions, exchanges, queues, bindings).

    `passwords` is keyed by ADMIN_USER and system name; each system's user is named `broker_user(system, namespace)`,
    the name its consumers' producer check expects (federation/provenance.py).
    """
    names = Names(namespace)
    exchanges: dict[str, str] = {names.events_exchange(system.name): "topic" for system in systems}
    queues: dict[str, dict[str, Any]] = {}
    bindings: list[tuple[str, str, str]] = []
    for system in systems:
        if not system.consumed_event_types:
            continue
        declaration = consumer_declaration(
            names, Subscription(system.name, system.consumed_event_types), retry_delays_ms
        )
        exchanges.update(dict(declaration.exchanges))
        queues.update(dict(declaration.queues))
        bindings += declaration.bindings
    users = [
        {
            "name": ADMIN_USER,
            "password_hash": password_hash(passwords[ADMIN_USER]),
            "hashing_algorithm": "rabbit_password_hashing_sha256",
            "tags": ["administrator"],
        }
    ]
    permissions = [{"user": ADMIN_USER, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}]
    for system in systems:
        users.append(
            {
                "name": broker_user(system.name, namespace),
                "password_hash": password_hash(passwords[system.name]),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
        )
        permissions.append(
            {"user": broker_user(system.name, namespace), "vhost": vhost, **permissions_for(system, namespace)}
        )
    return {
        "users": users,
        "vhosts": [{"name": vhost}],
        "permissions": permissions,
        "exchanges": [
            {
                "name": name,
                "vhost": vhost,
                "type": kind,
                "durable": True,
                "auto_delete": False,
                "internal": False,
                "arguments": {},
            }
            for name, kind in sorted(exchanges.items())
        ],
        "queues": [
            {"name": name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": arguments}
            for name, arguments in sorted(queues.items())
        ],
        "bindings": [
            {
                "source": exchange,
                "vhost": vhost,
                "destination": queue,
                "destination_type": "queue",
                "routing_key": key,
                "arguments": {},
            }
            for queue, exchange, key in sorted(bindings, key=lambda b: (b[1], b[0], b[2]))
        ],
    }
