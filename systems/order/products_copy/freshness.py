"""How current the product copy is: the last time an event from the catalog was applied here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.runtime_models import InboxMessage
from systems.order.base import as_utc


def catalog_data_as_of(session: Session) -> datetime | None:
    """max(scs_inbox.processed_at) of catalog events; None before the first one arrived."""
    latest = session.scalar(
        select(func.max(InboxMessage.processed_at)).where(
            InboxMessage.consumer == "order", InboxMessage.producer == "catalog"
        )
    )
    return as_utc(latest)
