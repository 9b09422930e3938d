"""The one-function shape (`scs function SYSTEM FUNCTION`): a system narrowed to one restful or reactive function.

A function is named as in its file (`browse_products`, `on_order_placed`); where two resource groups of a system
have a function of the same name (catalog's `inventory.on_order_cancelled` and `sales.on_order_cancelled`), the
group goes in front. Plain data: the web half (federation.serving) and the worker half (federation.worker) each
take the narrowed System.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from federation.systems import System

if TYPE_CHECKING:
    from federation.routing import Route


class UnknownFunction(LookupError):
    """No restful or reactive function of the system goes by that name; the message lists the names that do."""


@dataclass(frozen=True)
class Function:
    """One function of a system, and the system cut down to it."""

    name: str
    kind: str  # "restful" or "reactive"
    system: System  # only this function's routes, or only its event types and handler
    link_only: Sequence[Route] = ()  # the system's other routes: for building links, not served

    @property
    def consumer_name(self) -> str:
        """Its queues', inbox rows' and heartbeat's name, under the system's prefix: `catalog.fn.on_order_placed`."""
        return f"{self.system.name}.fn.{self.name}"


def function_names(system: System) -> list[str]:
    """The name of every function of `system` (restful first, each sorted), as `find_function` calls it."""
    restful = sorted({route.endpoint for route in system.routes})
    return restful + sorted(_preferred_names(system).values())


def find_function(system: System, name: str) -> Function:
    """`system` narrowed to the function called `name`; UnknownFunction (listing the valid names) if it has none."""
    routes = [route for route in system.routes if route.endpoint == name]
    if routes:
        others = [route for route in system.routes if route.endpoint != name]
        return Function(name, "restful", dataclasses.replace(system, routes=routes, event_handlers={}), others)
    preferred = _preferred_names(system)
    matches = [handler for handler, known in preferred.items() if name in (known, _qualified(handler))]
    if len(matches) != 1:
        namesakes = sorted(_qualified(handler) for handler in preferred if handler.__name__ == name)
        raise UnknownFunction(
            f"{system.name} has {len(namesakes)} functions {name!r}: name one of {', '.join(namesakes)}"
            if namesakes
            else f"{system.name} has no restful or reactive function {name!r}; "
            f"valid: {', '.join(function_names(system))}"
        )
    handler = matches[0]
    table = {event_type: (handler,) for event_type, handlers in system.event_handlers.items() if handler in handlers}
    return Function(preferred[handler], "reactive", dataclasses.replace(system, routes=[], event_handlers=table))


def _preferred_names(system: System) -> dict[Any, str]:
    """Each reactive function's name: its own, or `<group>.<name>` where two groups have one of that name.

    `<group>.<name>` finds a function whose own name is unique too (then it goes by its own name).
    """
    handlers = {handler for each in system.event_handlers.values() for handler in each}
    counts: dict[str, int] = {}
    for handler in handlers:
        counts[handler.__name__] = counts.get(handler.__name__, 0) + 1
    return {handler: handler.__name__ if counts[handler.__name__] == 1 else _qualified(handler) for handler in handlers}


def _qualified(handler: Any) -> str:
    """`<group>.<name>` of a reactive function (`systems.catalog.sales.reactive.on_x` → `sales.on_x`)."""
    return f"{str(handler.__module__).split('.')[-3]}.{handler.__name__}"
