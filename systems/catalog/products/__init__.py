"""Products: what the shop sells, at which price, and how many are on hand."""
