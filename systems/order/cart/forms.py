"""Forms of the cart: a quantity (1..100), removing a line, and checking out with an idempotency key."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from systems.order.cart.models import MAX_QUANTITY


class QuantityForm(FlaskForm):
    """How many of a product: a whole number from 1 to 100."""

    quantity = IntegerField(
        "Quantity",
        default=1,
        validators=[
            InputRequired(message="Enter a quantity."),
            NumberRange(min=1, max=MAX_QUANTITY, message=f"Choose a quantity from 1 to {MAX_QUANTITY}."),
        ],
    )


class RemoveLineForm(FlaskForm):
    """Remove one product from the cart (the form carries only the CSRF token)."""


class CheckoutForm(FlaskForm):
    """Place the order; the key generated with the page makes a double submit place one order only."""

    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=100)])
