"""The compatibility gate: models against committed snapshots, each breaking change named with the consumers it breaks."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict, create_model

from federation.asyncapi import consumer_labels
from federation.contracts_cli import contracts
from federation.systems import load_systems
from shared_contracts import EVENT_TYPES, EventSpec
from shared_contracts.catalog import ProductState
from shared_contracts.order import OrderState
from shared_contracts.snapshots import ENVELOPE_FILE, current_schemas, gate

ORDER_READERS = (
    "user (systems.user.orders_copy.reactive.on_order_changed); "
    "catalog (systems.catalog.sales.reactive.on_order_confirmed)"
)
PRODUCT_READER = "order (systems.order.products_copy.reactive.on_product_changed)"


def _without(model: type[BaseModel], field: str, **extra: object) -> type[BaseModel]:
    """A copy of a data model without one field, optionally with others added as (type, default) pairs."""
    fields = {name: (info.annotation, info) for name, info in model.model_fields.items() if name != field}
    return create_model(model.__name__, __config__=ConfigDict(extra="ignore"), **fields, **extra)  # type: ignore[call-overload]


def _gate_with(name: str, model: type[BaseModel]) -> list[str]:
    """The gate's verdict if one snapshot's event version were published with `model`."""
    return gate(consumer_labels(load_systems()), current={**current_schemas(), name: model.model_json_schema()})


def test_the_models_pass_the_gate() -> None:
    """As committed, every model is compatible with its snapshot."""
    assert gate(consumer_labels(load_systems())) == []


def test_adding_an_optional_field_passes() -> None:
    """The compatible way to evolve: a new field with a default."""

    class ProductWithColour(ProductState):
        colour: str | None = None

    assert _gate_with("catalog.product.updated.v1.json", ProductWithColour) == []


def test_removing_a_field_names_what_broke_and_for_whom() -> None:
    """Dropping total_cents from order.confirmed v1 breaks both systems that consume it, by name and handler."""
    assert _gate_with("order.confirmed.v1.json", _without(OrderState, "total_cents")) == [
        (
            "order.confirmed v1: property 'total_cents' removed — breaks consumer "
            f"{ORDER_READERS}; publish the change as order.confirmed schema_version 2 and keep v1 until every consumer reads it"
        )
    ]


def test_renaming_a_field_fails() -> None:
    """A rename is a removal plus a new required field; both are reported for the product copy in the order system."""
    renamed = _without(ProductState, "price_cents", price=(int, ...))
    fix = "publish the change as catalog.product.updated schema_version 2 and keep v1 until every consumer reads it"
    assert _gate_with("catalog.product.updated.v1.json", renamed) == [
        f"catalog.product.updated v1: property 'price_cents' removed — breaks consumer {PRODUCT_READER}; {fix}",
        f"catalog.product.updated v1: new required property 'price' — breaks consumer {PRODUCT_READER}; {fix}",
    ]


def test_retyping_a_field_fails() -> None:
    """Stock as text breaks old events and the product copy."""
    retyped = _without(ProductState, "stock", stock=(str, ...))
    problems = _gate_with("catalog.product.created.v1.json", retyped)
    assert problems == [
        (
            "catalog.product.created v1: property 'stock' changed type from integer to string — "
            f"breaks consumer {PRODUCT_READER}; "
            "publish the change as catalog.product.created schema_version 2 and keep v1 until every consumer reads it"
        )
    ]


def test_a_breaking_change_as_a_new_schema_version_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishing the change as v2 beside an unchanged v1 keeps every snapshot satisfied."""
    both = EventSpec("order.confirmed", "order", {1: OrderState, 2: _without(OrderState, "total_cents")})
    monkeypatch.setitem(EVENT_TYPES, "order.confirmed", both)
    assert gate(consumer_labels(load_systems())) == []


def test_dropping_a_published_version_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """A version with a snapshot must keep its model while consumers may still receive it."""
    monkeypatch.setitem(
        EVENT_TYPES, "user.deleted", EventSpec("user.deleted", "user", {2: EVENT_TYPES["user.deleted"].versions[1]})
    )
    assert gate(consumer_labels(load_systems())) == [
        (
            "user.deleted.v1.json: snapshot has no registered model (event version removed?) — breaks consumer "
            "catalog (systems.catalog.accounts_copy.reactive.on_user_deleted); "
            "order (systems.order.customers_copy.reactive.on_user_deleted); "
            "publish the change as user.deleted schema_version 3 and keep v1 until every consumer reads it"
        )
    ]


def test_a_breaking_envelope_change_names_every_consumer() -> None:
    """The envelope is read by every consuming system."""
    current = current_schemas()
    envelope = {**current[ENVELOPE_FILE], "required": [*current[ENVELOPE_FILE]["required"], "tenant"]}
    [problem] = gate(consumer_labels(load_systems()), current={**current, ENVELOPE_FILE: envelope})
    assert problem.startswith("envelope: new required property 'tenant' — breaks consumer catalog (")
    assert all(f"{system} (" in problem for system in ("user", "order"))


def test_scs_contracts_check_fails_on_a_breaking_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """`scs contracts check` passes as committed, then exits 1 printing what broke for whom."""
    assert CliRunner().invoke(contracts, ["check"]).exit_code == 0
    monkeypatch.setitem(
        EVENT_TYPES, "order.confirmed", EventSpec("order.confirmed", "order", {1: _without(OrderState, "total_cents")})
    )
    result = CliRunner().invoke(contracts, ["check"])
    assert result.exit_code == 1
    assert (
        f"BREAKING order.confirmed v1: property 'total_cents' removed — breaks consumer {ORDER_READERS};"
        in result.output
    )
