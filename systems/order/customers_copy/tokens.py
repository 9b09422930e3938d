"""How the order system judges tokens: by its copy of the customers (revocation mark, roles, tombstone)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from federation.auth import Standing, TokenPolicy
from systems.order.customers_copy.models import CustomerCopy

#: What a token of an account the copy has not heard of yet (just registered, or events still on the way) may do.
UNKNOWN_CUSTOMER_ROLES = frozenset({"customer"})


def customer_standing(session: Session, user_id: uuid.UUID) -> Standing | None:
    """The account as the copy last heard of it, or None if it never did."""
    customer = session.get(CustomerCopy, user_id)
    if customer is None:
        return None
    return Standing(
        roles=frozenset(customer.roles), tokens_valid_after=customer.tokens_valid_after, deleted=customer.deleted
    )


#: Unknown accounts shop as customers (orders are accepted while the user system is away); admin needs the copy.
TOKEN_POLICY = TokenPolicy(lookup=customer_standing, unknown_account_roles=UNKNOWN_CUSTOMER_ROLES)
