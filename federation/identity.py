"""Who is calling, as the user system vouched for it: plain data, so workers and models can use it without Flask."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Identity:
    """The caller of a request, from a verified token."""

    user_id: uuid.UUID
    display_name: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        """Admins may change catalog data and manage users."""
        return ADMIN_ROLE in self.roles
