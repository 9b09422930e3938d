"""The event table of sales: confirmed orders count, cancelled ones are taken back out."""

from systems.catalog.sales.reactive.on_order_cancelled import on_order_cancelled
from systems.catalog.sales.reactive.on_order_confirmed import on_order_confirmed

EVENT_HANDLERS = {
    "order.confirmed": on_order_confirmed,
    "order.cancelled": on_order_cancelled,
}
