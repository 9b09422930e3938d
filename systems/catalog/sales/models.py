"""The sales copy: units sold per product, and which orders have been counted (so each counts once)."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import Index, Integer, String, Uuid
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from systems.catalog.base import Base

CountStatus = Literal["counted", "cancelled"]


class ProductSales(Base):
    """Units of a product sold in confirmed, not cancelled orders."""

    __tablename__ = "product_sales"
    __table_args__ = (Index("ix_product_sales_units_sold_product_id", "units_sold", "product_id"),)

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    units_sold: Mapped[int] = mapped_column(Integer, default=0)


class CountedOrder(Base):
    """An order the sales copy has seen: counted when confirmed; cancelled (uncounted, or never to be counted)."""

    __tablename__ = "sales_counted_orders"

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[CountStatus] = mapped_column(String(20))


def add_units(session: Session, product_id: uuid.UUID, units: int) -> None:
    """Add (or, negative, take away) units sold in one atomic upsert, safe with competing workers."""
    values = {"product_id": product_id, "units_sold": units}
    keys, change = [ProductSales.product_id], {"units_sold": ProductSales.units_sold + units}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            postgresql_insert(ProductSales).values(values).on_conflict_do_update(index_elements=keys, set_=change)
        )
    elif dialect == "sqlite":
        session.execute(
            sqlite_insert(ProductSales).values(values).on_conflict_do_update(index_elements=keys, set_=change)
        )
    else:
        raise ValueError(f"no upsert for the {dialect} dialect")
