"""GET /admin/users: every account, for admins, with grant/revoke admin buttons."""

from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select

from federation.web import db_session
from systems.user.accounts.current import admin_account_required
from systems.user.accounts.models import User

PAGE_SIZE = 50
MAX_PAGE = 100_000


@admin_account_required
def list_users(account):
    """One page of live accounts, oldest first."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    if page > MAX_PAGE:
        abort(404, f"There is no page {page} of users.")
    rows = (
        db_session()
        .scalars(
            select(User)
            .where(User.deleted_at.is_(None))
            .order_by(User.created_at, User.id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
        .all()
    )
    return render_template(
        "list_users.html", users=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE, me=account
    )
