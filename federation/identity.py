"""Who is calling, as the user system vouched for it: plain data, so workers and models can use it without Flask."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Identity:
    """Who is calling, as the user system vouched for it, and when it did (`issued_at`, the token's `iat`)."""

    user_id: uuid.UUID
    display_name: str
    roles: frozenset[str]
    issued_at: datetime

    @property
    def is_admin(self) -> bool:
        """Admins may change catalog data and manage users."""
        return ADMIN_ROLE in self.roles
