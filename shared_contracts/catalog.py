"""Events published by the catalog system: product state and stock reservation outcomes."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from ._types import DATA_CONFIG, Cents, Currency

#: Where a variant is served: a path under the catalog's base URL, named after the file's SHA-256 (never changes).
IMAGE_PATH_PATTERN = r"^/images/[0-9a-f]{64}\.(webp|jpg)$"


class ImageVariant(BaseModel):
    """One rendition of a product image: a path relative to the catalog's base URL, and its pixel size."""

    model_config = DATA_CONFIG

    url: str = Field(pattern=IMAGE_PATH_PATTERN, max_length=100)
    width: int = Field(ge=1, le=10000)
    height: int = Field(ge=1, le=10000)
    media_type: str = Field(default="image/webp", pattern=r"^image/(webp|jpeg)$")


class ProductImage(BaseModel):
    """A processed product image: its alternative text and its variants, narrowest first."""

    model_config = DATA_CONFIG

    id: UUID
    alt: str = Field(default="", max_length=300)
    variants: list[ImageVariant] = Field(min_length=1, max_length=8)


class ProductState(BaseModel):
    """Full public state of a product, including price and stock on hand."""

    model_config = DATA_CONFIG

    id: UUID
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    price_cents: Cents
    currency: Currency = "EUR"
    stock: int = Field(ge=0)
    discontinued: bool = False
    images: list[ProductImage] = Field(default=[], max_length=20)


class ProductImageUploaded(BaseModel):
    """The original of a product image was stored and waits to be processed (the catalog's own work item)."""

    model_config = DATA_CONFIG

    image_id: UUID
    product_id: UUID
    original: str = Field(pattern=r"^originals/[0-9a-f]{64}\.(jpg|png|webp)$")


class StockLine(BaseModel):
    """A quantity of one product reserved for an order."""

    model_config = DATA_CONFIG

    product_id: UUID
    quantity: int = Field(ge=1)


class StockReserved(BaseModel):
    """Stock for every line of an order was reserved."""

    model_config = DATA_CONFIG

    order_id: UUID
    lines: list[StockLine] = Field(min_length=1)


class StockShortfall(BaseModel):
    """A product that could not be reserved in the requested quantity."""

    model_config = DATA_CONFIG

    product_id: UUID
    requested: int = Field(ge=1)
    available: int = Field(ge=0)


class StockRejected(BaseModel):
    """Stock for an order could not be reserved; nothing was reserved."""

    model_config = DATA_CONFIG

    order_id: UUID
    reason: str = Field(max_length=1000)
    shortfalls: list[StockShortfall] = []


EVENTS: dict[str, dict[int, type[BaseModel]]] = {
    "catalog.product.created": {1: ProductState},
    "catalog.product.updated": {1: ProductState},
    "catalog.product.discontinued": {1: ProductState},
    "catalog.product_image.uploaded": {1: ProductImageUploaded},
    "catalog.stock.reserved": {1: StockReserved},
    "catalog.stock.rejected": {1: StockRejected},
}
