"""Each customer's cart, stored here per customer id (the token's subject)."""
