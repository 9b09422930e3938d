"""Reading a POST /api/orders body: lines of (product_id, quantity 1..100) and an optional idempotency key."""

from __future__ import annotations

import uuid
from typing import Annotated

from flask import request
from pydantic import BaseModel, Field, StrictInt, ValidationError, field_validator

from federation.errors import ApiError
from systems.order.cart.models import MAX_QUANTITY

IdempotencyKey = Annotated[str, Field(min_length=1, max_length=100)]


class LineRequest(BaseModel):
    """One requested line."""

    product_id: uuid.UUID
    quantity: Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]


class PlaceOrderRequest(BaseModel):
    """The whole request body."""

    lines: list[LineRequest] = Field(min_length=1)
    idempotency_key: IdempotencyKey | None = None

    @field_validator("lines")
    @classmethod
    def _each_product_once(cls, lines: list[LineRequest]) -> list[LineRequest]:
        """A product appears in one line only (say the total quantity there)."""
        ids = [line.product_id for line in lines]
        if len(ids) != len(set(ids)):
            raise ValueError("each product may appear in one line only")
        return lines


def read_place_order_request() -> tuple[list[tuple[uuid.UUID, int]], str | None]:
    """The requested lines and idempotency key (header or body, not both differing), or a 400 naming each problem."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, 'Send a JSON object such as {"lines": [{"product_id": "<uuid>", "quantity": 1}]}.')
    header_key = request.headers.get("Idempotency-Key")
    if header_key is not None:
        if body.get("idempotency_key") not in (None, header_key):
            raise ApiError(400, "The Idempotency-Key header and the idempotency_key field differ; send one key.")
        body = {**body, "idempotency_key": header_key}
    try:
        parsed = PlaceOrderRequest.model_validate(body)
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"]}
            for e in error.errors(include_url=False)
        ]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise ApiError(400, f"Invalid order: {summary}.", details={"errors": problems}) from None
    return [(line.product_id, line.quantity) for line in parsed.lines], parsed.idempotency_key
