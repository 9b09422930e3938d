"""The cart page, rendered after a GET and again when a quantity change needs correcting."""

from __future__ import annotations

import uuid

from flask import render_template

from federation.web import db_session
from systems.order.cart.forms import CheckoutForm, QuantityForm, RemoveLineForm
from systems.order.cart.models import lines_of
from systems.order.products_copy.freshness import catalog_data_as_of


def quantity_form_prefix(product_id: uuid.UUID) -> str:
    """Each line's quantity form gets its own field names and ids."""
    return f"line-{product_id}"


def render_cart(customer_id: uuid.UUID, invalid: tuple[uuid.UUID, QuantityForm] | None = None, status: int = 200):
    """The cart with quantity and remove forms per line; `invalid` shows one line's submitted form with its errors."""
    session = db_session()
    lines = lines_of(session, customer_id)
    quantity_forms = {}
    for line in lines:
        if invalid is not None and invalid[0] == line.product_id:
            quantity_forms[line.product_id] = invalid[1]
        else:
            quantity_forms[line.product_id] = QuantityForm(
                formdata=None, prefix=quantity_form_prefix(line.product_id), quantity=line.quantity
            )
    return (
        render_template(
            "show_cart.html",
            lines=lines,
            quantity_forms=quantity_forms,
            remove_forms={line.product_id: RemoveLineForm(prefix=f"remove-{line.product_id}") for line in lines},
            checkout_form=CheckoutForm(formdata=None, idempotency_key=uuid.uuid4().hex),
            total_cents=sum(line.quantity * line.product.price_cents for line in lines),
            currencies=sorted({line.product.currency for line in lines}),
            as_of=catalog_data_as_of(session),
        ),
        status,
    )
