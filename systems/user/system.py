"""The user system as the runtime sees it: tables, routes, event handlers, commands, republisher, demo data, token policy."""

from pathlib import Path

from federation.openapi import openapi_route
from federation.systems import System, merge_event_tables
from systems.user.accounts.commands import users
from systems.user.accounts.demo import load_demo_accounts
from systems.user.accounts.restful import ROUTES as accounts_routes
from systems.user.accounts.services import republish_users
from systems.user.app import configure_app
from systems.user.base import Base
from systems.user.openapi import API
from systems.user.orders_copy.reactive import EVENT_HANDLERS as orders_copy_events
from systems.user.orders_copy.restful import ROUTES as orders_copy_routes
from systems.user.sessions.commands import keys
from systems.user.sessions.restful import ROUTES as sessions_routes
from systems.user.sessions.tokens import TOKEN_POLICY

SYSTEM = System(
    name="user",
    package_dir=Path(__file__).parent,
    metadata=Base.metadata,
    routes=[*accounts_routes, *sessions_routes, *orders_copy_routes, openapi_route(API)],
    event_handlers=merge_event_tables(orders_copy_events),
    commands=[users, keys],
    republishers={"users": republish_users},
    configure_app=configure_app,
    demo_data=load_demo_accounts,
    token_policy=TOKEN_POLICY,
)
