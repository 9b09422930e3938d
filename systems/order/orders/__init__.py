"""Orders: checkout, the stock saga with the catalog, cancellation, and their events."""
