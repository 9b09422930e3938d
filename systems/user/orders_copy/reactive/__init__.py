"""Event table of the orders copy: every order.* event carries the order's full state."""

from systems.user.orders_copy.reactive.on_order_changed import on_order_changed

EVENT_HANDLERS = {
    "order.placed": on_order_changed,
    "order.confirmed": on_order_changed,
    "order.rejected": on_order_changed,
    "order.cancelled": on_order_changed,
}
