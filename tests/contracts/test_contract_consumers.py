"""Consumer-side contract tests: each reactive function gets events made from its producer's schema, via the real consumer."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from pydantic import BaseModel, Field

from federation.systems import load_system, load_systems
from shared_contracts import EVENT_TYPES, EventSpec
from shared_contracts._types import DATA_CONFIG
from tests.contracts.generated_events import (
    BOUNDED,
    apply_generated_streams,
    migrated_database,
)

CASES = [(system.name, event_type) for system in load_systems() for event_type in system.consumed_event_types]


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each system's SQLite database migrated once with its own Alembic history; every test works on a copy."""
    directory = tmp_path_factory.mktemp("migrated")
    return {
        system.name: Path(migrated_database(system, directory).removeprefix("sqlite:///")) for system in load_systems()
    }


def test_every_consumed_event_type_is_covered() -> None:
    """The cases span every system's whole event table, so a new handler is tested without listing it here."""
    handled = {(system.name, t) for system in load_systems() for t in system.event_handlers}
    assert set(CASES) == handled and len(CASES) >= 15


@pytest.mark.parametrize(("system_name", "event_type"), CASES, ids=[f"{s}<-{t}" for s, t in CASES])
def test_reactive_functions_take_generated_events(
    system_name: str, event_type: str, templates: dict[str, Path], tmp_path: Path
) -> None:
    """Streams of schema-generated events ending in `event_type` apply or are refused with EventRejected; nothing else raises."""
    system = load_system(system_name)
    database_url = migrated_database(system, tmp_path, templates[system_name])
    outcomes = apply_generated_streams(system, event_type, database_url, tmp_path)
    assert sum(outcomes.values()) >= BOUNDED.max_examples, outcomes


class ProductWithRenamedPrice(BaseModel):
    """catalog's ProductState as a careless producer change would publish it: price_cents renamed to price."""

    model_config = DATA_CONFIG

    id: UUID
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    price: int = Field(ge=0)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    stock: int = Field(ge=0)
    discontinued: bool = False


def test_a_producer_change_that_breaks_a_consumer_fails(
    monkeypatch: pytest.MonkeyPatch, templates: dict[str, Path], tmp_path: Path
) -> None:
    """Events generated from the changed producer schema make the order system's product copy refuse their data."""
    spec = EventSpec("catalog.product.updated", "catalog", {1: ProductWithRenamedPrice})
    monkeypatch.setitem(EVENT_TYPES, "catalog.product.updated", spec)
    order = load_system("order")
    database_url = migrated_database(order, tmp_path, templates["order"])
    with pytest.raises(TypeError, match="carries ProductWithRenamedPrice, not ProductState"):
        apply_generated_streams(order, "catalog.product.updated", database_url, tmp_path)
