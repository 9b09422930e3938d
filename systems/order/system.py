"""The order system as the runtime sees it: models, route table, event table, republishers, demo data, token policy."""

from __future__ import annotations

from pathlib import Path

from federation.openapi import openapi_route
from federation.systems import System, merge_event_tables
from systems.order.base import Base
from systems.order.cart.restful import ROUTES as cart_routes
from systems.order.customers_copy.reactive import EVENT_HANDLERS as customers_copy_events
from systems.order.customers_copy.tokens import TOKEN_POLICY
from systems.order.formatting import configure_app
from systems.order.openapi import API
from systems.order.orders.demo import load_demo_orders
from systems.order.orders.reactive import EVENT_HANDLERS as orders_events
from systems.order.orders.republish import republish_orders
from systems.order.orders.restful import ROUTES as orders_routes
from systems.order.products_copy.reactive import EVENT_HANDLERS as products_copy_events
from systems.order.products_copy.restful import ROUTES as products_copy_routes

SYSTEM = System(
    name="order",
    package_dir=Path(__file__).parent,
    metadata=Base.metadata,
    routes=[*products_copy_routes, *cart_routes, *orders_routes, openapi_route(API)],
    event_handlers=merge_event_tables(customers_copy_events, products_copy_events, orders_events),
    republishers={"orders": republish_orders},
    configure_app=configure_app,
    demo_data=load_demo_orders,
    token_policy=TOKEN_POLICY,
)
