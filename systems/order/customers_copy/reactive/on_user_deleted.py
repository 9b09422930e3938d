"""Forget a deleted account's personal data, keeping a tombstone so older events cannot bring it back."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from federation.replica import upsert_if_newer
from shared_contracts import Envelope
from shared_contracts.user import UserDeleted
from systems.order.cart.models import CartLine
from systems.order.customers_copy.models import CustomerCopy


def on_user_deleted(session: Session, event: Envelope) -> None:
    """Turn the customer into a tombstone (no email, no name) and drop the cart; orders stay as business records."""
    customer_id = event.data_as(UserDeleted).id
    upsert_if_newer(
        session,
        CustomerCopy,
        {
            "id": customer_id,
            "email": None,
            "display_name": None,
            "deleted": True,
            "roles": [],
            "aggregate_version": event.aggregate_version,
            "updated_at": event.occurred_at,
        },
    )
    session.execute(delete(CartLine).where(CartLine.customer_id == customer_id))
