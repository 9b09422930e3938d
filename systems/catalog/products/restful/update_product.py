"""PATCH /api/products/<id>: change some fields of a product (admin), published as catalog.product.updated."""

import uuid

from sqlalchemy.exc import IntegrityError

from federation.auth import admin_required
from federation.errors import ApiError
from federation.web import db_session
from systems.catalog.products.events import change_product
from systems.catalog.products.queries import product_json, product_or_404, units_sold
from systems.catalog.products.schemas import ProductChanges, json_body


@admin_required
def update_product(product_id: uuid.UUID):
    """The changed product; 404 unknown, 422 discontinued, 400 invalid fields, 409 SKU in use; no event if nothing changed."""
    session = db_session()
    product = product_or_404(session, product_id, for_update=True)
    if product.discontinued:
        raise ApiError(
            422, "This product is discontinued and can no longer be changed.", details={"product_id": str(product_id)}
        )
    changes = json_body(ProductChanges).model_dump(exclude_unset=True)
    if change_product(session, product, changes):
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise ApiError(
                409, f"Another product already uses SKU {changes['sku']}.", details={"sku": "already in use"}
            ) from None
    return product_json(product, units_sold(session, product.id))
