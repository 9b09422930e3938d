"""Local copy of the catalog's products (price and availability), kept from catalog.product.* events."""
