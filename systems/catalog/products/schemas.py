"""JSON bodies of the products API, validated with pydantic using the contract's own field limits."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from annotated_types import MaxLen
from flask import request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from federation.errors import ApiError
from federation.openapi import PatchBody
from federation.pagination import PageQuery
from federation.text import MultilineText, SingleLineText
from shared_contracts.catalog import ProductState

MAX_STOCK = 1_000_000
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


def contract_limits(name: str) -> list[Any]:
    """The constraints ProductState puts on a field, so the API never accepts what the event would refuse."""
    return ProductState.model_fields[name].metadata


def max_length(name: str) -> int:
    """The contract's maximum length of a text field (for the HTML forms)."""
    return next(limit.max_length for limit in contract_limits(name) if isinstance(limit, MaxLen))


Sku = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=SKU_PATTERN), *contract_limits("sku")
]
Name = Annotated[SingleLineText, StringConstraints(strip_whitespace=True), *contract_limits("name")]
Description = Annotated[MultilineText, StringConstraints(strip_whitespace=True), *contract_limits("description")]
PriceCents = Annotated[int, *contract_limits("price_cents")]
Currency = Annotated[str, *contract_limits("currency")]
Stock = Annotated[int, *contract_limits("stock"), Field(le=MAX_STOCK)]


class NewProduct(BaseModel):
    """Body of POST /api/products."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sku: Sku
    name: Name
    description: Description = ""
    price_cents: PriceCents
    currency: Currency = "EUR"
    stock: Stock


class ProductChanges(PatchBody):
    """Body of PATCH /api/products/<id>: any subset of the fields; null is not a value."""

    sku: Sku | None = None
    name: Name | None = None
    description: Description | None = None
    price_cents: PriceCents | None = None
    currency: Currency | None = None
    stock: Stock | None = None


class ProductQuery(PageQuery):
    """Query string of GET /api/products: words to search for (ranked, the last as a prefix), the order, a page."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    sort: Literal["relevance", "name", "bestsellers"] | None = None


Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], data: Any) -> Model:
    """Validate `data` against `model`, or answer 400 with one message per field."""
    if not isinstance(data, dict):
        raise ApiError(400, "Send a JSON object (Content-Type: application/json).")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = {".".join(str(part) for part in e["loc"]) or "body": e["msg"] for e in error.errors()}
        raise ApiError(400, "Some fields are not valid.", details=details) from None


def json_body(model: type[Model]) -> Model:
    """The request's JSON body, validated."""
    return parse(model, request.get_json(silent=True))
