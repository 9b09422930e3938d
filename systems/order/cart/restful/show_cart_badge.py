"""GET /fragments/v1/cart-badge: the cart link with its item count, for every system's navigation bar (included client-side)."""

from __future__ import annotations

from federation.auth import current_identity
from federation.fragments import fragment
from federation.web import db_session
from systems.order.cart.models import lines_of


def show_cart_badge():
    """'Cart (n)' for a signed-in customer, a plain 'Cart' link otherwise."""
    identity = current_identity()
    count = sum(line.quantity for line in lines_of(db_session(), identity.user_id)) if identity else None
    return fragment("show_cart_badge.html", count=count)
