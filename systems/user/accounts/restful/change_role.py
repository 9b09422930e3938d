"""POST /admin/users/<id>/role: grant or revoke the admin role (admins only; nobody revokes their own)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from federation.web import db_session
from systems.user.accounts.current import admin_account_required
from systems.user.accounts.forms import RoleForm
from systems.user.accounts.services import live_account, set_admin


@admin_account_required
def change_role(account, user_id):
    """Apply the change, publish it, and go back to the list."""
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, "The role change must say admin=1 (grant) or admin=0 (revoke).")
    session = db_session()
    target = live_account(session, user_id)
    if target is None:
        abort(404, "There is no such account.")
    admin = form.admin.data == "1"
    if target.id == account.id and not admin:
        flash("You cannot revoke your own admin role; ask another admin.", "error")
        return redirect(url_for("list_users"))
    if set_admin(session, target, admin):
        session.commit()
        flash(f"{target.display_name} is {'now' if admin else 'no longer'} an admin.", "success")
    return redirect(url_for("list_users"))
