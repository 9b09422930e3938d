"""Accounts copy: what the catalog needs of the user system's accounts to judge tokens (roles, revocation mark, tombstone)."""
