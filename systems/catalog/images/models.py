"""A product's images: the stored original, its processing state, and the variants made of it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from federation.runtime_models import utcnow
from shared_contracts.catalog import ImageVariant
from shared_contracts.catalog import ProductImage as ProductImageState
from systems.catalog.base import Base

PROCESSING = "processing"
READY = "ready"


class ProductImage(Base):
    """One image of a product; only `ready` ones are published, in `position` order."""

    __tablename__ = "product_images"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(20), default=PROCESSING)
    original: Mapped[str] = mapped_column(String(100))
    original_bytes: Mapped[int] = mapped_column(Integer)
    variants: Mapped[list[dict]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def contract(self) -> ProductImageState:
        """The image as catalog.product.* events carry it."""
        return ProductImageState(
            id=self.id, alt=self.alt, variants=[ImageVariant.model_validate(v) for v in self.variants]
        )
