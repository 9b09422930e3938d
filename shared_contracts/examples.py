"""Valid example data for every registered event version, for tests, demos and message injection."""

from __future__ import annotations

import copy
from typing import Any

from .registry import event_spec

USER_ID = "0b6a2a8e-4d0b-4b5e-9a53-2f7c1f0d9a01"
PRODUCT_ID = "5f0e8c2d-1a3b-4c5d-8e6f-7a8b9c0d1e02"
ORDER_ID = "9c1d2e3f-4a5b-4c6d-9e7f-8a9b0c1d2e03"
IMAGE_ID = "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a04"
IMAGE_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

_USER = {"id": USER_ID, "email": "ada@example.org", "display_name": "Ada", "roles": ["customer"]}
_PRODUCT = {
    "id": PRODUCT_ID,
    "sku": "MUG-001",
    "name": "Enamel mug",
    "description": "Blue, 350 ml.",
    "price_cents": 1250,
    "currency": "EUR",
    "stock": 40,
}
_ORDER = {
    "id": ORDER_ID,
    "customer_id": USER_ID,
    "status": "pending",
    "lines": [{"product_id": PRODUCT_ID, "name": "Enamel mug", "quantity": 2, "unit_price_cents": 1250}],
    "total_cents": 2500,
    "currency": "EUR",
    "placed_at": "2024-05-01T12:00:00Z",
}

EXAMPLES: dict[tuple[str, int], dict[str, Any]] = {
    ("user.registered", 1): _USER,
    ("user.profile_updated", 1): {**_USER, "display_name": "Ada L."},
    ("user.deleted", 1): {"id": USER_ID, "deleted": True},
    ("catalog.product.created", 1): _PRODUCT,
    ("catalog.product.updated", 1): {
        **_PRODUCT,
        "price_cents": 1300,
        "images": [
            {
                "id": IMAGE_ID,
                "alt": "A blue enamel mug on a wooden table",
                "variants": [{"url": f"/images/{IMAGE_HASH}.webp", "width": 160, "height": 120}],
            }
        ],
    },
    ("catalog.product.discontinued", 1): {**_PRODUCT, "discontinued": True},
    ("catalog.product_image.uploaded", 1): {
        "image_id": IMAGE_ID,
        "product_id": PRODUCT_ID,
        "original": f"originals/{IMAGE_HASH}.jpg",
    },
    ("catalog.stock.reserved", 1): {
        "order_id": ORDER_ID,
        "lines": [{"product_id": PRODUCT_ID, "quantity": 2}],
    },
    ("catalog.stock.rejected", 1): {
        "order_id": ORDER_ID,
        "reason": "not enough stock",
        "shortfalls": [{"product_id": PRODUCT_ID, "requested": 2, "available": 1}],
    },
    ("order.placed", 1): _ORDER,
    ("order.confirmed", 1): {**_ORDER, "status": "confirmed"},
    ("order.rejected", 1): {**_ORDER, "status": "rejected", "reason": "not enough stock"},
    ("order.cancelled", 1): {**_ORDER, "status": "cancelled"},
}


def example_data(event_type: str, version: int | None = None) -> dict[str, Any]:
    """A fresh copy of valid JSON data for an event type (latest version unless given)."""
    spec = event_spec(event_type)
    key = (event_type, spec.latest_version if version is None else version)
    return copy.deepcopy(EXAMPLES[key])
