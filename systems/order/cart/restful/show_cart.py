"""The customer's cart."""

from __future__ import annotations

from federation.auth import login_required
from systems.order.cart.page import render_cart
from systems.order.customer import current_customer_id


@login_required
def show_cart():
    """Show the cart of the logged-in customer (or that it is empty)."""
    return render_cart(current_customer_id())
