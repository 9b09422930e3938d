"""Route table of the product copy: browse what can be ordered, as HTML and JSON."""

from federation.routing import Route
from systems.order.products_copy.restful.api_list_products import api_list_products
from systems.order.products_copy.restful.list_products import list_products
from systems.order.products_copy.restful.show_product import show_product

ROUTES = [
    Route("/", list_products),
    Route("/products/<uuid:product_id>", show_product),
    Route("/api/products", api_list_products),
]
