"""The product aggregate: the catalog's source of truth for name, price and stock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_contracts.catalog import ProductState
from systems.catalog.base import Base
from systems.catalog.images.models import READY, ProductImage


def utcnow() -> datetime:
    """Timezone-aware now for the timestamps."""
    return datetime.now(UTC)


class Product(Base):
    """A product; `version` grows by one with every published change (the events' aggregate_version)."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="ck_products_stock_not_negative"),
        CheckConstraint("price_cents >= 0", name="ck_products_price_not_negative"),
        Index("ix_products_name_id", "name", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    stock: Mapped[int] = mapped_column(Integer)
    discontinued: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    images: Mapped[list[ProductImage]] = relationship(
        order_by=(ProductImage.position, ProductImage.created_at), lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def ready_images(self) -> list[ProductImage]:
        """The images that are processed, in the admin's order: what is published and shown."""
        return [image for image in self.images if image.state == READY]

    def state(self) -> ProductState:
        """The full public state, as every catalog.product.* event carries it."""
        return ProductState(
            id=self.id,
            sku=self.sku,
            name=self.name,
            description=self.description,
            price_cents=self.price_cents,
            currency=self.currency,
            stock=self.stock,
            discontinued=self.discontinued,
            images=[image.contract() for image in self.ready_images],
        )
