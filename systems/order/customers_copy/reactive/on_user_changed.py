"""Keep the customer copy in step with a registered or updated account."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.replica import upsert_if_newer
from shared_contracts import Envelope
from shared_contracts.user import UserState
from systems.order.customers_copy.models import CustomerCopy


def on_user_changed(session: Session, event: Envelope) -> None:
    """Upsert the customer from the account's full state, unless the copy already holds a newer version."""
    user = event.data_as(UserState)
    upsert_if_newer(
        session,
        CustomerCopy,
        {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "deleted": user.deleted,
            "roles": sorted(user.roles),
            "tokens_valid_after": user.tokens_valid_after,
            "aggregate_version": event.aggregate_version,
            "updated_at": event.occurred_at,
        },
    )
