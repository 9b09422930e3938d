"""Event table of the customer copy."""

from systems.order.customers_copy.reactive.on_user_changed import on_user_changed
from systems.order.customers_copy.reactive.on_user_deleted import on_user_deleted

EVENT_HANDLERS = {
    "user.registered": on_user_changed,
    "user.profile_updated": on_user_changed,
    "user.deleted": on_user_deleted,
}
