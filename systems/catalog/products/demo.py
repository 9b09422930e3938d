"""A realistic product range for demos (`scs demo-data [--products N]`), published like any other new product.

The hand-written range gets a drawn picture each, through the normal upload path; generated products go without.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.file_store import session_file_store
from federation.systems import DemoScale
from systems.catalog.images.services import add_image
from systems.catalog.products.demo_pictures import demo_picture
from systems.catalog.products.events import CREATED, publish_product
from systems.catalog.products.generator import generated_products
from systems.catalog.products.models import Product

BATCH = 500
DEMO_PRODUCTS = (
    ("MUG-001", "Enamel mug", "Blue enamel camping mug, 350 ml, dishwasher safe.", 1250, 40),
    ("MUG-002", "Stoneware mug", "Hand-glazed stoneware mug in speckled white, 300 ml.", 1890, 25),
    ("TEA-010", "Cast-iron teapot", "Japanese-style tetsubin with stainless infuser, 0.8 l.", 4990, 8),
    ("TEA-020", "Sencha green tea", "Loose-leaf first flush sencha, 100 g tin.", 1150, 60),
    ("TEA-030", "Earl Grey", "Black tea with bergamot oil, 125 g.", 890, 75),
    ("COF-001", "Pour-over dripper", "Ceramic size-02 dripper with spiral ribs.", 2400, 18),
    ("COF-002", "Paper filters", "Pack of 100 unbleached size-02 filters.", 550, 120),
    ("COF-010", "Burr grinder", "Hand grinder with stainless conical burrs and 30 settings.", 6900, 5),
    ("KIT-100", "Bamboo tray", "Serving tray in oiled bamboo, 40 x 28 cm.", 2990, 12),
    ("KIT-110", "Linen tea towel", "Stone-washed linen, 50 x 70 cm.", 1490, 30),
    ("KIT-120", "Glass carafe", "Borosilicate carafe with cork stopper, 1 l.", 2190, 3),
    ("KIT-130", "Honey dipper", "Olive wood honey dipper.", 690, 0),
)


def load_demo_products(session: Session, scale: DemoScale) -> Iterator[tuple[int, int]]:
    """Add products up to `scale.products` (default: the demo range into an empty catalog), a batch at a time.

    Yields (added in the batch, to add in all) after each batch; the caller commits in between.
    """
    existing = session.scalar(select(func.count(Product.id))) or 0
    target = len(DEMO_PRODUCTS) if scale.products is None else scale.products
    if (existing and scale.products is None) or existing >= target:
        return
    planned = target - existing
    if not existing:
        store = session_file_store(session)
        for sku, name, description, price_cents, stock in DEMO_PRODUCTS[:target]:
            product = _add(session, sku, name, description, price_cents, stock)
            session.flush()
            add_image(session, store, product, demo_picture(sku, name), f"{sku.lower()}.png", f"Illustration: {name}")
        existing = min(target, len(DEMO_PRODUCTS))
        yield existing, planned
    while existing < target:
        count = min(BATCH, target - existing)
        for generated in generated_products(existing, count):
            _add(session, generated.sku, generated.name, generated.description, generated.price_cents, generated.stock)
        existing += count
        yield count, planned


def _add(session: Session, sku: str, name: str, description: str, price_cents: int, stock: int) -> Product:
    """One new product and its created event (inserted with the batch, not one by one)."""
    product = Product(
        id=uuid.uuid4(),
        sku=sku,
        name=name,
        description=description,
        price_cents=price_cents,
        currency="EUR",
        stock=stock,
        discontinued=False,
        version=1,
    )
    session.add(product)
    publish_product(session, product, CREATED)
    return product
