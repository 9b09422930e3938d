"""Route table of the orders copy."""

from federation.routing import Route
from systems.user.orders_copy.restful.list_my_orders import list_my_orders

ROUTES = [
    Route("/api/users/me/orders", list_my_orders),
]
