"""The catalog system as the runtime sees it: models, route table, event tables, republisher, demo data, token policy."""

from pathlib import Path

from federation.openapi import openapi_route
from federation.systems import System, merge_event_tables
from systems.catalog.accounts_copy.reactive import EVENT_HANDLERS as accounts_copy_events
from systems.catalog.accounts_copy.tokens import TOKEN_POLICY
from systems.catalog.base import Base
from systems.catalog.images.reactive import EVENT_HANDLERS as images_events
from systems.catalog.images.restful import ROUTES as images_routes
from systems.catalog.inventory.reactive import EVENT_HANDLERS as inventory_events
from systems.catalog.openapi import API
from systems.catalog.products.demo import load_demo_products
from systems.catalog.products.events import republish_products
from systems.catalog.products.restful import ROUTES as products_routes
from systems.catalog.sales.reactive import EVENT_HANDLERS as sales_events

SYSTEM = System(
    name="catalog",
    package_dir=Path(__file__).parent,
    metadata=Base.metadata,
    routes=[*products_routes, *images_routes, openapi_route(API)],
    event_handlers=merge_event_tables(inventory_events, sales_events, accounts_copy_events, images_events),
    republishers={"products": republish_products},
    demo_data=load_demo_products,
    token_policy=TOKEN_POLICY,
)
