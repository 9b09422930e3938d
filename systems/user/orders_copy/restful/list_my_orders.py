"""GET /api/users/me/orders: the caller's orders from the local copy, with how fresh it is (works while order is down)."""

from __future__ import annotations

from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.orders_copy.queries import copy_as_of, order_json, orders_of


@account_required
def list_my_orders(account):
    """The caller's orders, newest first, and when the copy was last updated."""
    session = db_session()
    as_of = copy_as_of(session)
    return {
        "items": [order_json(order) for order in orders_of(session, account.id)],
        "as_of": as_of.isoformat() if as_of else None,
    }
