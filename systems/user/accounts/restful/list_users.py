"""GET /admin/users: live accounts a page at a time, for admins, with grant/revoke admin buttons."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import render_template
from sqlalchemy import select

from federation.pagination import SortKey, keyset_page, page_request
from federation.web import db_session
from systems.user.accounts.current import admin_account_required
from systems.user.accounts.models import User

PAGE_SIZE = 50
KEYS = [SortKey(User.created_at, kind=datetime), SortKey(User.id, kind=uuid.UUID)]


@admin_account_required
def list_users(account):
    """One page of live accounts, oldest first, read along the (created_at, id) index."""
    asked = page_request("user.accounts", KEYS, default=PAGE_SIZE, cap=PAGE_SIZE)
    query = select(User).where(User.deleted_at.is_(None))
    page = keyset_page(db_session(), query, "user.accounts", KEYS, asked, lambda user: (user.created_at, user.id))
    return render_template("list_users.html", page=page, me=account)
