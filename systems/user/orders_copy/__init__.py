"""A local copy of each user's orders, kept from order.* events, so "My orders" works while the order system is down."""
