"""Inventory: stock reservations for orders, all lines or none, released once when an order is cancelled."""
