"""A small, realistic product range for demos (`scs demo-data`), published like any other new product, a picture each."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.file_store import session_file_store
from systems.catalog.images.services import add_image
from systems.catalog.products.demo_pictures import demo_picture
from systems.catalog.products.events import CREATED, publish_product
from systems.catalog.products.models import Product

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


def load_demo_products(session: Session) -> int:
    """Add the demo products unless the catalog already has products; returns how many were added.

    Each gets a drawn picture through the normal upload path, so the worker makes its variants and publishes them.
    """
    if session.scalar(select(func.count(Product.id))):
        return 0
    store = session_file_store(session)
    for sku, name, description, price_cents, stock in DEMO_PRODUCTS:
        product = Product(
            sku=sku, name=name, description=description, price_cents=price_cents, currency="EUR", stock=stock, version=1
        )
        session.add(product)
        session.flush()
        publish_product(session, product, CREATED)
        picture = demo_picture(sku, name)
        add_image(session, store, product, picture, f"{sku.lower()}.png", f"Illustration: {name}")
    return len(DEMO_PRODUCTS)
