"""The event table of the accounts copy: every user.* event carries the account's standing."""

from systems.catalog.accounts_copy.reactive.on_user_changed import on_user_changed
from systems.catalog.accounts_copy.reactive.on_user_deleted import on_user_deleted

EVENT_HANDLERS = {
    "user.registered": on_user_changed,
    "user.profile_updated": on_user_changed,
    "user.deleted": on_user_deleted,
}
