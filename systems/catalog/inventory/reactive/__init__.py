"""The event table of inventory: orders placed are reserved, orders cancelled released."""

from systems.catalog.inventory.reactive.on_order_cancelled import on_order_cancelled
from systems.catalog.inventory.reactive.on_order_placed import on_order_placed

EVENT_HANDLERS = {
    "order.placed": on_order_placed,
    "order.cancelled": on_order_cancelled,
}
