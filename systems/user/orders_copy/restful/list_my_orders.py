"""GET /api/users/me/orders: the caller's orders from the local copy, with how fresh it is (works while order is down)."""

from __future__ import annotations

from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.orders_copy.queries import copy_as_of, order_json, orders_of


@account_required
def list_my_orders(account):
    """One page of the caller's orders, newest first (`limit`, `cursor`), and when the copy was last updated."""
    session = db_session()
    as_of = copy_as_of(session)
    page = orders_of(session, account.id)
    return {
        "items": [order_json(order) for order in page.items],
        "next": page.next,
        "previous": page.previous,
        "as_of": as_of.isoformat() if as_of else None,
    }
