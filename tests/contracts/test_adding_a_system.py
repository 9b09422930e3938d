"""docs/adding-a-system.md works: the shipping system in it migrates, consumes order.confirmed, publishes shipping.dispatched."""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from sqlalchemy import select

import shared_contracts
from federation import settings as settings_module
from federation import systems as systems_module
from federation.asyncapi import asyncapi_document
from federation.db import make_engine, make_session_factory
from federation.migrations import revision, upgrade
from federation.runtime_models import OutboxMessage
from federation.settings import Settings
from federation.web import create_system_app
from federation.worker import build_consumer
from shared_contracts import EVENT_TYPES, Envelope, EventSpec, from_amqp
from shared_contracts import examples as examples_module
from shared_contracts.order import OrderState
from tests.contracts.generated_events import BOUNDED, envelopes

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "adding-a-system.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: The tables an `# edit: <file> <NAME>` block adds entries to, by NAME.
TABLES: dict[str, dict[Any, Any]] = {
    "SYSTEMS": systems_module.SYSTEMS,
    "DEFAULT_PORTS": settings_module.DEFAULT_PORTS,
    "EXAMPLES": examples_module.EXAMPLES,
}


def guide_blocks(marker: str) -> dict[str, str]:
    """The guide's code blocks whose first line is `# <marker>: <target>`, by target."""
    blocks = {}
    for _, body in BLOCK.findall(GUIDE.read_text("utf-8")):
        first, _, rest = body.partition("\n")
        if first.startswith(f"# {marker}: "):
            blocks[first.removeprefix(f"# {marker}: ").strip()] = rest
    return blocks


def test_the_guide_shows_every_file_and_edit() -> None:
    """The blocks the test builds from are there (a renamed marker would otherwise skip them silently)."""
    assert {"shared_contracts/shipping.py", "systems/shipping/system.py", "systems/shipping/migrations/env.py"} <= set(
        guide_blocks("file")
    )
    assert {
        "shared_contracts/registry.py",
        "federation/systems.py SYSTEMS",
        "federation/settings.py DEFAULT_PORTS",
    } <= set(guide_blocks("edit"))


@pytest.fixture
def shipping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[systems_module.System]:
    """The shipping system written from the guide into tmp_path and registered in memory only; forgotten afterwards."""
    source = tmp_path / "src"
    for path, text in guide_blocks("file").items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(text, "utf-8")
    edits = guide_blocks("edit")
    for target, table in TABLES.items():
        [entries] = [text for name, text in edits.items() if name.endswith(f" {target}")]
        names = {"ORDER_ID": examples_module.ORDER_ID, "USER_ID": examples_module.USER_ID}
        for key, value in eval("{" + entries + "}", {"__builtins__": {}}, names).items():
            monkeypatch.setitem(table, key, value)
    monkeypatch.syspath_prepend(str(source))
    monkeypatch.setattr(shared_contracts, "__path__", [*shared_contracts.__path__, str(source / "shared_contracts")])
    try:
        contract = importlib.import_module("shared_contracts.shipping")
        assert "shipping" in edits["shared_contracts/registry.py"], "the guide registers the producer"
        for event_type, versions in contract.EVENTS.items():  # what registry._build does with the edit applied
            monkeypatch.setitem(EVENT_TYPES, event_type, EventSpec(event_type, "shipping", dict(versions)))
        yield systems_module.load_system("shipping")
    finally:
        for name in [n for n in sys.modules if n == "shared_contracts.shipping" or n.startswith("systems.shipping")]:
            parent, _, child = name.rpartition(".")
            if sys.modules.pop(name) is getattr(sys.modules.get(parent), child, None):
                delattr(sys.modules[parent], child)


def test_the_guide_builds_a_working_shipping_system(shipping: systems_module.System, tmp_path: Path) -> None:
    """Migrated by its own Alembic history, it answers each generated order.confirmed with one shipping.dispatched."""
    data_dir = tmp_path / "var"
    env = {"SCS_DATA_DIR": str(data_dir), "SCS_SHIPPING_DATABASE_URL": f"sqlite:///{data_dir / 'shipping.db'}"}
    settings = Settings.from_env("shipping", env)
    revision(shipping, settings, "initial schema")
    [migration] = (shipping.migrations_dir / "versions").glob("*_initial_schema.py")
    assert "shipments" in migration.read_text() and "scs_outbox" in migration.read_text()
    engine = make_engine(settings.database_url)
    upgrade(shipping, settings, engine=engine)
    session_factory = make_session_factory(engine)
    consumer = build_consumer(shipping, settings, session_factory)
    first_confirmation: dict[object, Envelope] = {}  # examples may repeat an order id: its first one shipped

    @BOUNDED
    @given(envelopes("order.confirmed"))
    def dispatch(confirmed: Envelope) -> None:
        consumer.apply(confirmed)
        shipped = first_confirmation.setdefault(confirmed.data_as(OrderState).id, confirmed).data_as(OrderState)
        with session_factory() as session:
            bodies = session.scalars(
                select(OutboxMessage.body).where(OutboxMessage.event_type == "shipping.dispatched")
            ).all()
        # the guide's ShipmentState exists only at run time, so its fields are read from the dumped data
        dispatched = [from_amqp(body.encode()).data.model_dump() for body in bodies]
        mine = [event for event in dispatched if event["order_id"] == shipped.id]
        assert len(mine) == 1, f"one dispatch per order, got {len(mine)}"
        assert mine[0]["items"] == sum(line.quantity for line in shipped.lines)
        assert mine[0]["customer_id"] == shipped.customer_id

    dispatch()
    engine.dispose()


def test_the_new_system_appears_in_the_documentation(shipping: systems_module.System, tmp_path: Path) -> None:
    """Regenerated, the AsyncAPI document has the shipping exchange and lists shipping as a consumer of order.confirmed."""
    document = asyncapi_document(systems_module.load_systems())
    dispatched = document["channels"]["shipping.dispatched"]
    assert dispatched["bindings"]["amqp"]["exchange"]["name"] == "shipping.events"
    assert document["channels"]["order.confirmed"]["x-scs-consumers"]["shipping"] == [
        "systems.shipping.shipments.reactive.on_order_confirmed"
    ]
    assert json.dumps(document)  # serialisable as written by `scs contracts asyncapi`
    app = create_system_app(shipping, {"SCS_DATA_DIR": str(tmp_path), "TESTING": True})
    assert app.test_client().get("/healthz").get_json() == {"status": "ok", "system": "shipping"}
