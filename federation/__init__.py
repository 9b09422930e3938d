"""Technical runtime shared by every self-contained system; knows nothing of users, products or orders."""
