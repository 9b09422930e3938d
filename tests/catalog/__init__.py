"""Tests of the catalog system: products, the API and pages, inventory and sales, two workers."""
