"""GET /: the signed-in user's profile and "My orders" from the local copy."""

from __future__ import annotations

from flask import render_template

from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.orders_copy.queries import copy_as_of, order_url, orders_of


@account_required
def show_profile(account):
    """Profile, account actions, and a page of the user's orders (with how fresh the copy is)."""
    session = db_session()
    return render_template(
        "show_profile.html",
        account=account,
        orders=orders_of(session, account.id),
        as_of=copy_as_of(session),
        order_url=order_url,
    )
