"""The admin's product forms (Flask-WTF, so every post carries a CSRF token)."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from federation.text import PlainText
from systems.catalog.products.models import Product
from systems.catalog.products.schemas import MAX_STOCK, SKU_PATTERN, contract_limits, max_length

MAX_PRICE = Decimal(next(limit.le for limit in contract_limits("price_cents") if hasattr(limit, "le"))) / 100


def _strip(value: str | None) -> str | None:
    """Surrounding spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


def _upper(value: str | None) -> str | None:
    """SKUs and currency codes are upper case."""
    return value.upper() if isinstance(value, str) else value


def _finite(_form, field) -> None:
    """NaN and Infinity parse as decimals, but are no price (and compare with nothing)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Enter the price as a number, e.g. 12.50.")


def _two_decimals(_form, field) -> None:
    """Prices are whole cents."""
    if field.data is not None and field.data.as_tuple().exponent < -2:
        raise ValidationError("Use at most two decimals (whole cents).")


class ProductForm(FlaskForm):
    """A product's editable fields; the price is typed in the currency's units and stored in cents."""

    sku = StringField(
        "SKU",
        filters=[_strip, _upper],
        validators=[
            DataRequired("Enter a SKU."),
            Length(max=max_length("sku")),
            Regexp(SKU_PATTERN, message="Use letters, digits, dots, dashes and underscores only."),
        ],
    )
    name = StringField(
        "Name",
        filters=[_strip],
        validators=[DataRequired("Enter a name."), Length(max=max_length("name")), PlainText()],
    )
    description = TextAreaField(
        "Description",
        filters=[_strip],
        validators=[Optional(), Length(max=max_length("description")), PlainText(multiline=True)],
    )
    price = DecimalField(
        "Price",
        validators=[
            InputRequired("Enter a price, e.g. 12.50."),
            _finite,
            NumberRange(min=0, message="The price can't be negative."),
            NumberRange(max=MAX_PRICE, message="That price is too high."),
            _two_decimals,
        ],
    )
    currency = StringField(
        "Currency",
        default="EUR",
        filters=[_strip, _upper],
        validators=[
            DataRequired("Enter a currency code."),
            Regexp(r"^[A-Z]{3}$", message="Use a three-letter code such as EUR."),
        ],
    )
    stock = IntegerField(
        "Stock",
        validators=[
            InputRequired("Enter how many units are on hand."),
            NumberRange(min=0, message="Stock can't be negative."),
            NumberRange(max=MAX_STOCK, message=f"At most {MAX_STOCK:,} units."),
        ],
    )

    def values(self) -> dict:
        """The validated fields as product columns."""
        return {
            "sku": self.sku.data,
            "name": self.name.data,
            "description": self.description.data or "",
            "price_cents": int(self.price.data * 100),
            "currency": self.currency.data,
            "stock": self.stock.data,
        }

    @classmethod
    def data_of(cls, product: Product) -> dict:
        """A product's columns as form data (to pre-fill the edit form)."""
        return {
            "sku": product.sku,
            "name": product.name,
            "description": product.description,
            "price": Decimal(product.price_cents) / 100,
            "currency": product.currency,
            "stock": product.stock,
        }


class EditProductForm(ProductForm):
    """The product form plus the version it was loaded at, to notice changes made meanwhile (e.g. reservations)."""

    version = HiddenField()

    @classmethod
    def loaded(cls, product: Product) -> EditProductForm:
        """The form pre-filled with the product as it is now."""
        return cls(data={**cls.data_of(product), "version": product.version})


class DiscontinueForm(FlaskForm):
    """Confirmation of a discontinuation (a CSRF token and a button)."""
