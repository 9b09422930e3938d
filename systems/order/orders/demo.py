"""Demo orders (`scs demo-data`) for the demo customers, placed once their and the products' copies have arrived."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.demo import NotReadyYet
from systems.order.customers_copy.models import CustomerCopy
from systems.order.orders.models import Order
from systems.order.orders.services import place
from systems.order.products_copy.models import ProductCopy

DEMO_ORDERS = {
    "ada@example.org": [("MUG-001", 2), ("TEA-020", 1)],
    "grace@example.org": [("COF-001", 1), ("COF-002", 2)],
}


def load_demo_orders(session: Session) -> int:
    """Place the demo orders unless orders exist; NotReadyYet until the copies hold the demo customers and products."""
    if session.scalar(select(func.count(Order.id))):
        return 0
    customers = {c.email: c for c in session.scalars(select(CustomerCopy).where(CustomerCopy.email.in_(DEMO_ORDERS)))}
    skus = {sku for lines in DEMO_ORDERS.values() for sku, _ in lines}
    products = {p.sku: p for p in session.scalars(select(ProductCopy).where(ProductCopy.sku.in_(skus)))}
    if len(customers) < len(DEMO_ORDERS) or len(products) < len(skus):
        raise NotReadyYet("waiting for the demo customers and products to reach the order system's copies")
    for email, lines in DEMO_ORDERS.items():
        place(session, customers[email].id, [(products[sku].id, quantity) for sku, quantity in lines], f"demo-{email}")
    return len(DEMO_ORDERS)
