"""Events published by the order system: the full state of an order at each step of its saga."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from ._types import DATA_CONFIG, Cents, Currency, UtcDatetime

OrderStatus = Literal["pending", "confirmed", "rejected", "cancelled"]


class OrderLine(BaseModel):
    """One product in an order, with the name and unit price at the time of ordering."""

    model_config = DATA_CONFIG

    product_id: UUID
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=1000)
    unit_price_cents: Cents


class OrderState(BaseModel):
    """Full public state of an order."""

    model_config = DATA_CONFIG

    id: UUID
    customer_id: UUID
    status: OrderStatus
    lines: list[OrderLine] = Field(min_length=1)
    total_cents: Cents
    currency: Currency
    placed_at: UtcDatetime
    reason: str | None = Field(default=None, max_length=1000)


EVENTS: dict[str, dict[int, type[BaseModel]]] = {
    "order.placed": {1: OrderState},
    "order.confirmed": {1: OrderState},
    "order.rejected": {1: OrderState},
    "order.cancelled": {1: OrderState},
}
