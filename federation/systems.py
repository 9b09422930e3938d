"""What a system hands the runtime, and the one table that finds systems by name (like gunicorn's app strings)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData

if TYPE_CHECKING:
    import click
    from sqlalchemy.orm import Session

    from federation.auth import TokenPolicy
    from federation.routing import Route
    from shared_contracts import Envelope

    Handler = Callable[[Session, Envelope], None]

SYSTEMS: dict[str, str] = {
    "user": "systems.user.system:SYSTEM",
    "catalog": "systems.catalog.system:SYSTEM",
    "order": "systems.order.system:SYSTEM",
}


@dataclass(frozen=True)
class DemoScale:
    """How much demo data `scs demo-data` asks for; None keeps a system's small default set."""

    products: int | None = None
    orders: int | None = None

    @property
    def asked(self) -> bool:
        """True when a size was given (then loaders show progress)."""
        return self.products is not None or self.orders is not None


@dataclass(frozen=True)
class System:
    """A self-contained system as the runtime sees it: its models, route table, event table and extras.

    `token_policy` holds tokens against the system's own records (federation.auth.TokenPolicy); without one a
    verified token is taken as it is.
    """

    name: str
    package_dir: Path
    metadata: MetaData
    routes: Sequence[Route]
    event_handlers: Mapping[str, Sequence[Handler]]
    commands: Sequence[click.Command] = ()
    republishers: Mapping[str, Callable[[Session], int]] = field(default_factory=dict)
    configure_app: Callable[[Any], None] | None = None
    demo_data: Callable[[Session, DemoScale], Iterable[tuple[int, int]]] | None = None
    token_policy: TokenPolicy | None = None

    @property
    def migrations_dir(self) -> Path:
        """The system's own Alembic history."""
        return self.package_dir / "migrations"

    @property
    def templates_dir(self) -> Path:
        """The system's own Jinja templates (the shared base layout comes from federation)."""
        return self.package_dir / "templates"

    @property
    def consumed_event_types(self) -> list[str]:
        """The event types this system's worker binds its inbox queue to."""
        return sorted(self.event_handlers)


def merge_event_tables(*tables: Mapping[str, Handler | Sequence[Handler]]) -> dict[str, tuple[Handler, ...]]:
    """Combine the event tables of a system's resource groups; one event type may have several handlers."""
    merged: dict[str, tuple[Handler, ...]] = {}
    for table in tables:
        for event_type, handlers in table.items():
            more = tuple(handlers) if isinstance(handlers, (list, tuple)) else (handlers,)
            merged[event_type] = merged.get(event_type, ()) + more
    return merged


def load_system(name: str) -> System:
    """Import a system by its name through the SYSTEMS table."""
    try:
        target = SYSTEMS[name]
    except KeyError:
        raise LookupError(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}") from None
    module_name, attribute = target.split(":")
    system = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(system, System):
        raise LookupError(f"{target} is a {type(system).__name__}, not a System")
    return system


def load_systems(names: Iterable[str] | None = None) -> list[System]:
    """Import several systems (all of them when `names` is None)."""
    return [load_system(name) for name in (names or SYSTEMS)]
