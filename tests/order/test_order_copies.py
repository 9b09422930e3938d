"""The local copies: customers and products change only for newer versions; a deleted customer leaves a tombstone."""

from __future__ import annotations

import uuid

from systems.order.cart.models import CartLine
from systems.order.customers_copy.models import CustomerCopy
from systems.order.customers_copy.reactive.on_user_changed import on_user_changed
from systems.order.customers_copy.reactive.on_user_deleted import on_user_deleted
from systems.order.products_copy.models import ProductCopy
from systems.order.products_copy.reactive.on_product_changed import on_product_changed
from tests.order.helpers import add_product, product_event, session_factory, user_event


def handle(app, handler, event) -> None:
    """Call a reactive function the way the consumer does: in a transaction it commits afterwards."""
    with session_factory(app)() as session:
        handler(session, event)
        session.commit()


def customer(app, customer_id) -> CustomerCopy:
    with session_factory(app)() as session:
        copy = session.get(CustomerCopy, customer_id)
    assert copy is not None, f"no copy of customer {customer_id}"
    return copy


def product(app, product_id) -> ProductCopy:
    with session_factory(app)() as session:
        copy = session.get(ProductCopy, product_id)
    assert copy is not None, f"no copy of product {product_id}"
    return copy


def test_the_customer_copy_takes_only_newer_versions(any_app):
    user_id = uuid.uuid4()
    handle(
        any_app, on_user_changed, user_event("user.registered", 1, user_id, email="ada@example.org", display_name="Ada")
    )
    handle(any_app, on_user_changed, user_event("user.profile_updated", 3, user_id, display_name="Ada L."))
    handle(any_app, on_user_changed, user_event("user.profile_updated", 2, user_id, display_name="stale"))
    copy = customer(any_app, user_id)
    assert (copy.email, copy.display_name, copy.deleted, copy.aggregate_version) == (
        "ada@example.org",
        "Ada L.",
        False,
        3,
    )


def test_a_deleted_customer_becomes_a_tombstone_without_personal_data(any_app):
    user_id = uuid.uuid4()
    mug = add_product(any_app)
    handle(
        any_app, on_user_changed, user_event("user.registered", 1, user_id, email="ada@example.org", display_name="Ada")
    )
    with session_factory(any_app)() as session:
        session.add(CartLine(customer_id=user_id, product_id=mug, quantity=2))
        session.commit()
    handle(any_app, on_user_deleted, user_event("user.deleted", 2, user_id))
    handle(any_app, on_user_changed, user_event("user.profile_updated", 1, user_id, display_name="late, older event"))
    copy = customer(any_app, user_id)
    assert (copy.email, copy.display_name, copy.deleted, copy.aggregate_version) == (None, None, True, 2)
    with session_factory(any_app)() as session:
        assert session.get(CartLine, (user_id, mug)) is None


def test_a_deletion_seen_before_the_registration_still_leaves_a_tombstone(any_app):
    user_id = uuid.uuid4()
    handle(any_app, on_user_deleted, user_event("user.deleted", 2, user_id))
    handle(any_app, on_user_changed, user_event("user.registered", 1, user_id))
    copy = customer(any_app, user_id)
    assert copy.deleted and copy.email is None and copy.display_name is None


def test_the_product_copy_takes_only_newer_versions(any_app):
    product_id = uuid.uuid4()
    created = product_event(1, product_id, "catalog.product.created", name="Mug", price_cents=1250, stock=40)
    handle(any_app, on_product_changed, created)
    handle(any_app, on_product_changed, product_event(3, product_id, name="Blue mug", price_cents=1300, stock=7))
    handle(any_app, on_product_changed, product_event(2, product_id, name="stale", price_cents=1, stock=99))
    copy = product(any_app, product_id)
    assert (copy.name, copy.price_cents, copy.available, copy.aggregate_version) == ("Blue mug", 1300, 7, 3)
    assert (copy.sku, copy.currency, copy.discontinued) == ("MUG-001", "EUR", False)
    assert copy.updated_at.tzinfo is not None
    handle(any_app, on_product_changed, product_event(4, product_id, "catalog.product.discontinued", discontinued=True))
    copy = product(any_app, product_id)
    assert copy.discontinued and copy.aggregate_version == 4
