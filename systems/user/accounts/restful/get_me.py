"""GET /api/users/me: the caller's account."""

from __future__ import annotations

from systems.user.accounts.current import account_required
from systems.user.accounts.services import user_json


@account_required
def get_me(account):
    """The caller's public account state."""
    return user_json(account)
