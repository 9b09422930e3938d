"""The user system's JSON API as OpenAPI: its operations, and the JSON bodies `json_fields` accepts (text fields only)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StrictStr

from federation.openapi import ApiDescription, Operation, omit_null
from federation.pagination import PageQuery


class Body(BaseModel):
    """A JSON object of text fields; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class NewAccount(Body):
    """Body of POST /api/users (lengths and email syntax are checked by the account rules: 400 per field)."""

    email: StrictStr
    password: StrictStr
    display_name: StrictStr


class Credentials(Body):
    """Body of POST /api/sessions."""

    email: StrictStr
    password: StrictStr


def at_least_one_change(schema: dict[str, Any]) -> None:
    """The PATCH body's schema: fields may be left out but are never null, and one at least is sent."""
    omit_null(schema)
    schema["minProperties"] = 1


class AccountChanges(Body):
    """Body of PATCH /api/users/me: display_name, email, password; a new email or password needs current_password.

    A new password voids every token of the account, the caller's too: log in again afterwards.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=at_least_one_change)

    display_name: StrictStr | None = None
    email: StrictStr | None = None
    password: StrictStr | None = None
    current_password: StrictStr | None = None


class LogOut(BaseModel):
    """Query of DELETE /api/sessions: everywhere=1 voids every token of the account (needs the bearer token)."""

    everywhere: Literal["0", "1"] = "0"


class PasswordConfirmation(Body):
    """Body of DELETE /api/users/me."""

    password: StrictStr


class Account(BaseModel):
    """An account as the API shows it (never credentials)."""

    id: uuid.UUID
    email: str
    display_name: str
    roles: list[str]


class Session(BaseModel):
    """A log-in: the token (also set as the HttpOnly cookie), when it expires, and whose it is."""

    token: str
    expires_at: AwareDatetime
    user: Account


class OrderCopy(BaseModel):
    """One of my orders as the user system's copy knows it."""

    id: uuid.UUID
    customer_id: uuid.UUID
    status: str
    total_cents: int
    currency: str
    placed_at: AwareDatetime
    version: int
    url: str


class MyOrders(BaseModel):
    """My orders from the local copy, newest first, and when the copy was last updated."""

    items: list[OrderCopy]
    next: str | None
    previous: str | None
    as_of: AwareDatetime | None


THROTTLED = {429: "Too many failed password attempts; details.retry_after_minutes."}

API = ApiDescription(
    title="user",
    version="1",
    operations=[
        Operation(
            "POST",
            "/api/users",
            "Register an account",
            {201: Account},
            body=NewAccount,
            errors={
                409: "The email is taken.",
                429: "Too many registrations from this address; details.retry_after_minutes.",
            },
        ),
        Operation(
            "POST",
            "/api/sessions",
            "Log in",
            {201: Session},
            body=Credentials,
            errors={401: "Incorrect email or password.", **THROTTLED},
        ),
        Operation(
            "DELETE",
            "/api/sessions",
            "Log out (clears the cookie); everywhere=1 ends every log-in of the account",
            {204: None},
            query=LogOut,
            auth="optional",
            errors={401: "everywhere=1 without a valid token."},
        ),
        Operation("GET", "/api/users/me", "My account", {200: Account}, auth="required"),
        Operation(
            "PATCH",
            "/api/users/me",
            "Change my account",
            {200: Account},
            body=AccountChanges,
            auth="required",
            errors={409: "The email is taken.", **THROTTLED},
        ),
        Operation(
            "DELETE",
            "/api/users/me",
            "Delete my account",
            {204: None},
            body=PasswordConfirmation,
            auth="required",
            errors=THROTTLED,
        ),
        Operation(
            "GET",
            "/api/users/me/orders",
            "My orders (from the local copy)",
            {200: MyOrders},
            query=PageQuery,
            auth="required",
        ),
    ],
)
