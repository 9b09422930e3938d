"""The product replica customers order from while the catalog may be down."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from systems.order.base import Base, UtcDateTime

#: The most `available` holds (a 32-bit column on PostgreSQL); a larger stock in an event is more than anyone orders.
MAX_AVAILABLE = 2**31 - 1


class ProductCopy(Base):
    """A product as last published by the catalog; `available` is the catalog's stock at that time."""

    __tablename__ = "product_copy"
    __table_args__ = (Index("ix_product_copy_discontinued_name_id", "discontinued", "name", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    available: Mapped[int] = mapped_column(Integer)
    discontinued: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    aggregate_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The catalog's processed images as its events carry them (id, alt, variants with path, width, height).
    images: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")

    @property
    def availability(self) -> str:
        """What a customer is told: 'in stock (n)' or 'sold out'."""
        return f"in stock ({self.available})" if self.available > 0 else "sold out"

    def to_json(self) -> dict:
        """The API shape of a copied product."""
        return {
            "id": str(self.id),
            "sku": self.sku,
            "name": self.name,
            "description": self.description,
            "price_cents": self.price_cents,
            "currency": self.currency,
            "available": self.available,
            "availability": "in_stock" if self.available > 0 else "sold_out",
            "images": self.images,
            "aggregate_version": self.aggregate_version,
            "updated_at": self.updated_at.isoformat(),
        }
