"""Operator access to a system's dead-letter queue: list, replay into the inbox, discard."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pika

from federation.broker_urls import pika_parameters
from federation.consumer import REASON_HEADER
from federation.topology import Names


@dataclass(frozen=True)
class DeadLetter:
    """One parked message, as an operator needs to see it."""

    message_id: str
    event_type: str
    reason: str
    dead_lettered_at: str
    original_routing_key: str
    body_preview: str


def list_dead_letters(amqp_url: str, names: Names, system: str) -> list[DeadLetter]:
    """Every message in the system's dead-letter queue; they all stay there."""
    return _visit(amqp_url, names, system, lambda _letter: None)[0]


def replay(amqp_url: str, names: Names, system: str, message_ids: Iterable[str] | None = None) -> list[DeadLetter]:
    """Send the given dead letters (all when None) back into the system's inbox queue, with a fresh retry budget."""
    wanted = set(message_ids) if message_ids else None
    return _visit(
        amqp_url, names, system, lambda letter: "replay" if wanted is None or letter.message_id in wanted else None
    )[1]


def discard(amqp_url: str, names: Names, system: str, message_ids: Iterable[str]) -> list[DeadLetter]:
    """Drop the given dead letters for good."""
    wanted = set(message_ids)
    return _visit(amqp_url, names, system, lambda letter: "discard" if letter.message_id in wanted else None)[1]


def _visit(
    amqp_url: str, names: Names, system: str, decide: Callable[[DeadLetter], str | None]
) -> tuple[list[DeadLetter], list[DeadLetter]]:
    """Read the whole queue once; `decide` says replay, discard or leave (None) per message. Returns (all seen, acted on)."""
    connection = pika.BlockingConnection(pika_parameters(amqp_url))
    acted: list[DeadLetter] = []
    listing: list[DeadLetter] = []
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        queue = names.dead_letter_queue(system)
        pending = channel.queue_declare(queue, passive=True).method.message_count
        leave: list[int] = []
        for _ in range(pending):
            method, properties, body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                break
            letter = _describe(properties, body)
            listing.append(letter)
            action = decide(letter)
            if action == "replay":
                properties.headers = {
                    k: v
                    for k, v in (properties.headers or {}).items()
                    if not k.startswith(("x-scs-", "x-death", "x-first-death", "x-last-death"))
                }
                channel.basic_publish(names.requeue_exchange(system), "", body, properties)
            if action in ("replay", "discard"):
                channel.basic_ack(method.delivery_tag)
                acted.append(letter)
            else:
                leave.append(method.delivery_tag)
        for tag in leave:
            channel.basic_nack(tag, requeue=True)
    finally:
        connection.close()
    return listing, acted


def _describe(properties: pika.BasicProperties, body: bytes) -> DeadLetter:
    """The operator's view of one message."""
    headers = properties.headers or {}
    reason = _text(headers.get(REASON_HEADER))
    if not reason and headers.get("x-first-death-reason"):
        reason = f"broker: {_text(headers['x-first-death-reason'])} (delivered too often without an ack, e.g. crashing workers)"
    return DeadLetter(
        message_id=_text(properties.message_id),
        event_type=_text(properties.type),
        reason=reason,
        dead_lettered_at=_text(headers.get("x-scs-dead-lettered-at")),
        original_routing_key=_text(headers.get("x-scs-original-routing-key")),
        body_preview=body[:200].decode(errors="replace"),
    )


def _text(value: object) -> str:
    """Header values arrive as bytes or str."""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value or "")
