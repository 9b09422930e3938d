"""Event table of orders: the catalog's answers in the stock saga."""

from systems.order.orders.reactive.on_stock_rejected import on_stock_rejected
from systems.order.orders.reactive.on_stock_reserved import on_stock_reserved

EVENT_HANDLERS = {
    "catalog.stock.reserved": on_stock_reserved,
    "catalog.stock.rejected": on_stock_rejected,
}
