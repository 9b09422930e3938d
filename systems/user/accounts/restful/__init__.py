"""Route table of accounts: pages for people, JSON for programs."""

from federation.routing import Route
from systems.user.accounts.restful.change_password import change_password
from systems.user.accounts.restful.change_role import change_role
from systems.user.accounts.restful.create_user import create_user
from systems.user.accounts.restful.delete_account import delete_account
from systems.user.accounts.restful.delete_me import delete_me
from systems.user.accounts.restful.edit_profile import edit_profile
from systems.user.accounts.restful.get_me import get_me
from systems.user.accounts.restful.list_users import list_users
from systems.user.accounts.restful.register_user import register_user
from systems.user.accounts.restful.show_account_badge import show_account_badge
from systems.user.accounts.restful.show_profile import show_profile
from systems.user.accounts.restful.update_me import update_me

ROUTES = [
    Route("/", show_profile),
    Route("/register", register_user, methods=("GET", "POST")),
    Route("/profile", edit_profile, methods=("GET", "POST")),
    Route("/profile/password", change_password, methods=("GET", "POST")),
    Route("/profile/delete", delete_account, methods=("GET", "POST")),
    Route("/admin/users", list_users),
    Route("/admin/users/<uuid:user_id>/role", change_role, methods=("POST",)),
    Route("/api/users", create_user, methods=("POST",)),
    Route("/api/users/me", get_me),
    Route("/api/users/me", update_me, methods=("PATCH",)),
    Route("/api/users/me", delete_me, methods=("DELETE",)),
    Route("/fragments/v1/account-badge", show_account_badge),
]
