"""POST /api/products: add a product (admin), published as catalog.product.created."""

from flask import url_for
from sqlalchemy.exc import IntegrityError

from federation.auth import admin_required
from federation.errors import ApiError
from federation.web import db_session
from systems.catalog.products.events import CREATED, publish_product
from systems.catalog.products.models import Product
from systems.catalog.products.queries import product_json
from systems.catalog.products.schemas import NewProduct, json_body


@admin_required
def create_product():
    """201 with the new product; 400 for invalid fields, 409 for a SKU already in use."""
    body = json_body(NewProduct)
    session = db_session()
    product = Product(**body.model_dump(), version=1)
    session.add(product)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ApiError(
            409, f"Another product already uses SKU {body.sku}.", details={"sku": "already in use"}
        ) from None
    publish_product(session, product, CREATED)
    session.commit()
    return product_json(product, 0), 201, {"Location": url_for("get_product", product_id=product.id)}
