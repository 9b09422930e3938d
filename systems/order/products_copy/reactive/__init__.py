"""Event table of the product copy."""

from systems.order.products_copy.reactive.on_product_changed import on_product_changed

EVENT_HANDLERS = {
    "catalog.product.created": on_product_changed,
    "catalog.product.updated": on_product_changed,
    "catalog.product.discontinued": on_product_changed,
}
