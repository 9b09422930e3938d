"""How the catalog judges tokens: by its copy of the accounts, so a revoked admin stops at once, not at token expiry."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from federation.auth import Standing, TokenPolicy
from systems.catalog.accounts_copy.models import AccountCopy

#: A token of an account the copy has not heard of browses like a customer; admin rights need the copy to grant them.
UNKNOWN_ACCOUNT_ROLES = frozenset({"customer"})


def account_standing(session: Session, user_id: uuid.UUID) -> Standing | None:
    """The account as the copy last heard of it, or None if it never did."""
    account = session.get(AccountCopy, user_id)
    if account is None:
        return None
    return Standing(
        roles=frozenset(account.roles), tokens_valid_after=account.tokens_valid_after_utc, deleted=account.deleted
    )


TOKEN_POLICY = TokenPolicy(lookup=account_standing, unknown_account_roles=UNKNOWN_ACCOUNT_ROLES)
