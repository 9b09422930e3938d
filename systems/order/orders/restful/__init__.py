"""Route table of orders: my orders and one order, as HTML and JSON, placing (API) and cancelling."""

from federation.routing import Route
from systems.order.orders.restful.api_cancel_order import api_cancel_order
from systems.order.orders.restful.api_get_order import api_get_order
from systems.order.orders.restful.api_list_orders import api_list_orders
from systems.order.orders.restful.api_place_order import api_place_order
from systems.order.orders.restful.cancel_order import cancel_order
from systems.order.orders.restful.list_orders import list_orders
from systems.order.orders.restful.show_order import show_order

ROUTES = [
    Route("/orders", list_orders),
    Route("/orders/<uuid:order_id>", show_order),
    Route("/orders/<uuid:order_id>/cancel", cancel_order, methods=("POST",)),
    Route("/api/orders", api_list_orders),
    Route("/api/orders", api_place_order, methods=("POST",)),
    Route("/api/orders/<uuid:order_id>", api_get_order),
    Route("/api/orders/<uuid:order_id>/cancel", api_cancel_order, methods=("POST",)),
]
