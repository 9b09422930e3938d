"""breaking_changes finds removals, retypes, new required fields and narrowing; allows optional fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from shared_contracts.catalog import ProductState, StockLine, StockReserved
from shared_contracts.compatibility import breaking_changes
from shared_contracts.order import OrderState


def _changes(old: type[BaseModel], new: type[BaseModel]) -> list[str]:
    """breaking_changes between the JSON Schemas of two models."""
    return breaking_changes(old.model_json_schema(), new.model_json_schema())


def _without(model: type[BaseModel], field: str) -> type[BaseModel]:
    """A copy of a flat model without one field."""
    fields = {name: (info.annotation, info) for name, info in model.model_fields.items() if name != field}
    config = ConfigDict(extra="ignore")
    return create_model(model.__name__, __config__=config, **fields)  # type: ignore[call-overload]


def test_identical_schemas_are_compatible() -> None:
    """No change, no problem — also for nested $defs."""
    assert _changes(ProductState, ProductState) == []
    assert _changes(OrderState, OrderState) == []


def test_new_optional_field_is_compatible() -> None:
    """Adding an optional field with a default is the compatible way to evolve."""

    class ProductWithColour(ProductState):
        colour: str | None = None

    assert _changes(ProductState, ProductWithColour) == []


def test_removed_property_is_breaking() -> None:
    """Dropping a field breaks consumers that read it."""
    assert _changes(ProductState, _without(ProductState, "price_cents")) == ["property 'price_cents' removed"]


def test_where_labels_each_sentence() -> None:
    """where= prefixes each problem with the event and version."""
    old, new = ProductState.model_json_schema(), _without(ProductState, "stock").model_json_schema()
    assert breaking_changes(old, new, where="catalog.product.created v1") == [
        "catalog.product.created v1: property 'stock' removed"
    ]


def test_changed_type_is_breaking() -> None:
    """Retyping a field breaks old events and old consumers."""

    class PriceAsText(ProductState):
        price_cents: str  # type: ignore[assignment]

    class NullablePrice(ProductState):
        price_cents: int | None  # type: ignore[assignment]

    assert _changes(ProductState, PriceAsText) == ["property 'price_cents' changed type from integer to string"]
    assert _changes(ProductState, NullablePrice) == [
        "property 'price_cents' changed type from integer to integer or null"
    ]


def test_new_required_property_is_breaking() -> None:
    """Old events lack a newly required field."""

    class ProductWithWeight(ProductState):
        weight_grams: int

    assert _changes(ProductState, ProductWithWeight) == ["new required property 'weight_grams'"]


def test_optional_property_becoming_required_is_breaking() -> None:
    """Removing a default makes old events without the field invalid."""

    class DescriptionRequired(ProductState):
        description: str = Field(max_length=5000)

    assert _changes(ProductState, DescriptionRequired) == ["property 'description' became required"]


def test_narrowed_constraints_are_breaking_and_widened_ones_are_not() -> None:
    """Raising a minimum or lowering a maxLength rejects data that used to be valid."""

    class Narrower(ProductState):
        price_cents: int = Field(ge=1, le=2**53)
        name: str = Field(min_length=1, max_length=100)
        sku: str = Field(min_length=1, max_length=64, pattern=r"^[A-Z]")

    class Wider(ProductState):
        name: str = Field(min_length=1, max_length=500)

    assert _changes(ProductState, Narrower) == [
        "property 'sku' pattern changed to '^[A-Z]'",
        "property 'name' maxLength lowered from 200 to 100",
        "property 'price_cents' minimum raised from 0 to 1",
    ]
    assert _changes(ProductState, Wider) == []


def test_removed_enum_value_and_changed_const_are_breaking() -> None:
    """Old events may carry an enum value that disappeared; a const may not change."""

    class FewerStatuses(OrderState):
        status: Literal["pending", "confirmed"]

    class MoreStatuses(OrderState):
        status: Literal["pending", "confirmed", "rejected", "cancelled", "shipped"]  # type: ignore[assignment]

    class Tombstone(BaseModel):
        deleted: Literal[True] = True

    class NotTombstone(BaseModel):
        deleted: Literal[False] = False

    assert _changes(OrderState, FewerStatuses) == ["property 'status' no longer allows 'rejected', 'cancelled'"]
    assert _changes(OrderState, MoreStatuses) == []
    assert _changes(Tombstone, NotTombstone) == ["property 'deleted' const changed from True to False"]


def test_changes_inside_nested_models_name_the_path() -> None:
    """$ref into $defs is followed and the path shows list items as []."""

    class Line(StockLine):
        quantity: int = Field(ge=2)
        warehouse: str

    class Reserved(StockReserved):
        lines: list[Line] = Field(min_length=1)  # type: ignore[assignment]

    assert _changes(StockReserved, Reserved) == [
        "property 'lines[].quantity' minimum raised from 1 to 2",
        "new required property 'lines[].warehouse'",
    ]
