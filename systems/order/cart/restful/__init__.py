"""Route table of the cart: add, change, remove, check out."""

from federation.routing import Route
from systems.order.cart.restful.add_to_cart import add_to_cart
from systems.order.cart.restful.change_quantity import change_quantity
from systems.order.cart.restful.checkout_cart import checkout_cart
from systems.order.cart.restful.remove_from_cart import remove_from_cart
from systems.order.cart.restful.show_cart import show_cart
from systems.order.cart.restful.show_cart_badge import show_cart_badge

ROUTES = [
    Route("/cart", show_cart),
    Route("/products/<uuid:product_id>/add-to-cart", add_to_cart, methods=("POST",)),
    Route("/cart/<uuid:product_id>/quantity", change_quantity, methods=("POST",)),
    Route("/cart/<uuid:product_id>/remove", remove_from_cart, methods=("POST",)),
    Route("/cart/checkout", checkout_cart, methods=("POST",)),
    Route("/fragments/v1/cart-badge", show_cart_badge),
]
