"""The sales copy: units sold per product, and which orders have been counted (so each counts once)."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import Integer, String, Uuid
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from systems.catalog.base import Base

CountStatus = Literal["counted", "cancelled"]


class ProductSales(Base):
    """Units of a product sold in confirmed, not cancelled orders."""

    __tablename__ = "product_sales"

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    units_sold: Mapped[int] = mapped_column(Integer, default=0)


class CountedOrder(Base):
    """An order the sales copy has seen: counted when confirmed; cancelled (uncounted, or never to be counted)."""

    __tablename__ = "sales_counted_orders"

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[CountStatus] = mapped_column(String(20))


def add_units(session: Session, product_id: uuid.UUID, units: int) -> None:
    """Add (or, negative, take away) units sold in one atomic upsert, safe with competing workers."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    statement = insert(ProductSales).values(product_id=product_id, units_sold=units)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ProductSales.product_id],
            set_={"units_sold": ProductSales.units_sold + units},
        )
    )
