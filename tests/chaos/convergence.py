"""Compare every replica with its source, after the dust settles: lost, regressed and doubled records are counted."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.runtime_models import OutboxMessage
from systems.catalog.products.models import Product
from systems.catalog.sales.models import ProductSales
from systems.order.customers_copy.models import CustomerCopy
from systems.order.orders.models import Order
from systems.order.products_copy.models import ProductCopy
from systems.user.orders_copy.models import OrderCopy


@dataclass
class Comparison:
    """What differs between sources and replicas (everything must be empty at the end)."""

    compared: int = 0
    lost: list[str] = field(default_factory=list)
    regressed: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)
    backlog: dict[str, int] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        """Nothing lost, regressed, different, doubled or still moving."""
        return not (
            self.lost
            or self.regressed
            or self.differing
            or self.doubled
            or self.unsettled
            or any(self.backlog.values())
        )

    def counts(self) -> dict[str, object]:
        """The figures every chaos report prints: how many records were compared and how many went wrong."""
        return {
            "records_compared": self.compared,
            "lost": len(self.lost),
            "regressed": len(self.regressed),
            "doubled": len(self.doubled),
            "differing": len(self.differing),
            "details": asdict(self),
        }


def latest_published(session: Session) -> dict[str, dict]:
    """Per aggregate, the newest state its producer published (the outbox is the record of what was said)."""
    latest: dict[str, dict] = {}
    for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.seq)):
        event = json.loads(row.body)
        if event["type"].startswith(("catalog.stock.",)):
            continue
        current = latest.get(event["aggregate_id"])
        if current is None or event["aggregate_version"] >= current["aggregate_version"]:
            latest[event["aggregate_id"]] = event
    return latest


def compare(user: Session, catalog: Session, order: Session, initial_stock: dict[str, int]) -> Comparison:
    """Check all three copies against their sources, plus the stock and sales bookkeeping against the orders."""
    result = Comparison()
    for name, session in (("user", user), ("catalog", catalog), ("order", order)):
        result.backlog[name] = len(
            session.scalars(select(OutboxMessage.seq).where(OutboxMessage.published_at.is_(None))).all()
        )

    products = latest_published(catalog)
    copies = {str(c.id): c for c in order.scalars(select(ProductCopy))}
    for product_id, event in products.items():
        _check(
            result,
            f"product {product_id}",
            copies.get(product_id),
            event,
            lambda c, d: (
                (c.name, c.price_cents, c.available, c.discontinued)
                == (d["name"], d["price_cents"], d["stock"], d["discontinued"])
            ),
        )
    for product in catalog.scalars(select(Product)):
        if products[str(product.id)]["aggregate_version"] != product.version:
            result.differing.append(f"catalog product {product.id}: version {product.version} never published")

    customers = {str(c.id): c for c in order.scalars(select(CustomerCopy))}
    for user_id, event in latest_published(user).items():
        _check(
            result,
            f"customer {user_id}",
            customers.get(user_id),
            event,
            lambda c, d: (
                c.deleted if d.get("deleted") else (c.email, c.display_name) == (d["email"], d["display_name"])
            ),
        )

    my_orders = {str(c.id): c for c in user.scalars(select(OrderCopy))}
    for order_id, event in latest_published(order).items():
        _check(result, f"order copy {order_id}", my_orders.get(order_id), event, lambda c, d: c.status == d["status"])

    confirmed_units: dict[str, int] = defaultdict(int)
    for placed in order.scalars(select(Order)):
        if placed.status == "pending":
            result.unsettled.append(f"order {placed.id} still pending")
        if placed.status == "confirmed":
            for line in placed.lines:
                confirmed_units[str(line.product_id)] += line.quantity
    sold = {str(s.product_id): s.units_sold for s in catalog.scalars(select(ProductSales))}
    for product in catalog.scalars(select(Product)):
        key = str(product.id)
        if product.stock != initial_stock[key] - confirmed_units[key]:
            result.doubled.append(
                f"stock of {key}: {product.stock}, expected {initial_stock[key] - confirmed_units[key]}"
            )
        if sold.get(key, 0) != confirmed_units[key]:
            result.doubled.append(f"units sold of {key}: {sold.get(key, 0)}, expected {confirmed_units[key]}")
    return result


def _check(result: Comparison, label: str, copy, event: dict, same) -> None:
    """One replica row against the newest published state of its source."""
    result.compared += 1
    if copy is None:
        result.lost.append(label)
    elif copy.aggregate_version < event["aggregate_version"]:
        result.regressed.append(f"{label}: version {copy.aggregate_version} < {event['aggregate_version']}")
    elif copy.aggregate_version > event["aggregate_version"] or not same(copy, event["data"]):
        result.differing.append(f"{label}: copy differs from version {event['aggregate_version']}")
