"""The route table of products: HTML pages for shoppers and admins, and the JSON API."""

from federation.routing import Route
from systems.catalog.products.restful.browse_products import browse_products
from systems.catalog.products.restful.create_product import create_product
from systems.catalog.products.restful.delete_product import delete_product
from systems.catalog.products.restful.discontinue_product import discontinue_product
from systems.catalog.products.restful.edit_product import edit_product
from systems.catalog.products.restful.get_product import get_product
from systems.catalog.products.restful.list_products import list_products
from systems.catalog.products.restful.new_product import new_product
from systems.catalog.products.restful.show_product import show_product
from systems.catalog.products.restful.update_product import update_product

ROUTES = [
    Route("/", browse_products),
    Route("/products/<uuid:product_id>", show_product),
    Route("/admin/products/new", new_product, methods=("GET", "POST")),
    Route("/admin/products/<uuid:product_id>/edit", edit_product, methods=("GET", "POST")),
    Route("/admin/products/<uuid:product_id>/discontinue", discontinue_product, methods=("GET", "POST")),
    Route("/api/products", list_products),
    Route("/api/products", create_product, methods=("POST",)),
    Route("/api/products/<uuid:product_id>", get_product),
    Route("/api/products/<uuid:product_id>", update_product, methods=("PATCH",)),
    Route("/api/products/<uuid:product_id>", delete_product, methods=("DELETE",)),
]
