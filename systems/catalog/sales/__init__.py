"""Sales: a local count of units sold per product, built from the order system's events."""
