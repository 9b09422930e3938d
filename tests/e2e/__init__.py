"""End-to-end tests: the three systems as processes against the real broker."""
