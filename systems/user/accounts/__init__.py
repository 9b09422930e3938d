"""Accounts: registration, profile, password, deletion, admin roles; the source of every user.* event."""
