"""The logged-in customer of an order view."""

from __future__ import annotations

import uuid

from federation.auth import current_identity


def current_customer_id() -> uuid.UUID:
    """The caller's user id, for views behind @login_required (which has already refused anonymous callers)."""
    identity = current_identity()
    assert identity is not None, "current_customer_id() is only for views behind @login_required"
    return identity.user_id
