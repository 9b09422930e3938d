"""Demo orders (`scs demo-data [--orders M]`), placed once the customers' and products' copies have arrived."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.demo import NotReadyYet
from federation.systems import DemoScale
from systems.order.customers_copy.models import CustomerCopy
from systems.order.orders.models import Order
from systems.order.orders.services import place
from systems.order.products_copy.models import ProductCopy

BATCH = 200
SAMPLE = 1000
DEMO_ORDERS = {
    "ada@example.org": [("MUG-001", 2), ("TEA-020", 1)],
    "grace@example.org": [("COF-001", 1), ("COF-002", 2)],
}


def load_demo_orders(session: Session, scale: DemoScale) -> Iterator[tuple[int, int]]:
    """Place orders up to `scale.orders` (default: the two demo orders, if there are none), a batch at a time.

    NotReadyYet until the copies hold the demo customers and products. Orders past the demo ones go to the known
    customers, with one to three of the first products by name, chosen by a seeded generator (the same each run).
    """
    existing = session.scalar(select(func.count(Order.id))) or 0
    target = len(DEMO_ORDERS) if scale.orders is None else scale.orders
    if (existing and scale.orders is None) or existing >= target:
        return
    customers = {c.email: c for c in session.scalars(select(CustomerCopy).where(CustomerCopy.email.in_(DEMO_ORDERS)))}
    skus = {sku for lines in DEMO_ORDERS.values() for sku, _ in lines}
    products = {p.sku: p for p in session.scalars(select(ProductCopy).where(ProductCopy.sku.in_(skus)))}
    if len(customers) < len(DEMO_ORDERS) or len(products) < len(skus):
        raise NotReadyYet("waiting for the demo customers and products to reach the order system's copies")
    planned = target - existing
    if not existing:
        for email, lines in list(DEMO_ORDERS.items())[:target]:
            place(session, customers[email].id, [(products[sku].id, qty) for sku, qty in lines], f"demo-{email}")
        existing = min(target, len(DEMO_ORDERS))
        yield existing, planned
    buyers: list[uuid.UUID] = list(
        session.scalars(select(CustomerCopy.id).where(CustomerCopy.deleted.is_(False)).limit(SAMPLE))
    )
    stock: list[uuid.UUID] = list(
        session.scalars(
            select(ProductCopy.id)
            .where(ProductCopy.discontinued.is_(False), ProductCopy.available > 0)
            .order_by(ProductCopy.name, ProductCopy.id)
            .limit(SAMPLE)
        )
    )
    while existing < target:
        count = min(BATCH, target - existing)
        for number in range(existing, existing + count):
            rng = random.Random(number)
            chosen = rng.sample(stock, min(len(stock), rng.randint(1, 3)))
            order_lines = [(product_id, rng.randint(1, 3)) for product_id in chosen]
            place(session, rng.choice(buyers), order_lines, f"demo-{number}")
        existing += count
        yield count, planned
