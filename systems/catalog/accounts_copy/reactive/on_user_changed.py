"""user.registered / user.profile_updated → keep the account's roles and revocation mark, newest version only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.replica import upsert_if_newer
from shared_contracts import Envelope
from shared_contracts.user import UserState
from systems.catalog.accounts_copy.models import AccountCopy


def on_user_changed(session: Session, event: Envelope) -> None:
    """Upsert the account's standing from its full state, unless the copy already holds a newer version."""
    user: UserState = event.data_as(UserState)
    upsert_if_newer(
        session,
        AccountCopy,
        {
            "id": user.id,
            "roles": sorted(user.roles),
            "tokens_valid_after": user.tokens_valid_after,
            "deleted": user.deleted,
            "aggregate_version": event.aggregate_version,
            "updated_at": event.occurred_at,
        },
    )
