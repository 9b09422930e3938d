"""user.deleted → a tombstone: the account's tokens are refused, older events cannot bring it back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.replica import upsert_if_newer
from shared_contracts import Envelope
from shared_contracts.user import UserDeleted
from systems.catalog.accounts_copy.models import AccountCopy


def on_user_deleted(session: Session, event: Envelope) -> None:
    """Mark the account deleted with no roles, unless the copy already holds a newer version."""
    upsert_if_newer(
        session,
        AccountCopy,
        {
            "id": event.data_as(UserDeleted).id,
            "roles": [],
            "tokens_valid_after": None,
            "deleted": True,
            "aggregate_version": event.aggregate_version,
            "updated_at": event.occurred_at,
        },
    )
