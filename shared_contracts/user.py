"""Events published by the user system: account state (with what others need to judge its tokens) and its tombstone."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from ._types import DATA_CONFIG, Email, UtcDatetime

Role = Annotated[str, Field(min_length=1, max_length=64)]


class UserState(BaseModel):
    """Full public state of a user account (never credentials).

    `roles` and `tokens_valid_after` let other systems judge the account's tokens by themselves: a token issued
    (`iat`) before `tokens_valid_after` is void (log-out everywhere, password or role change), and a token's roles
    count only as far as the latest `roles` still grant them.
    """

    model_config = DATA_CONFIG

    id: UUID
    email: Email
    display_name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = []
    deleted: bool = False
    tokens_valid_after: UtcDatetime | None = Field(
        default=None, description="Tokens issued before this instant are void; null: every unexpired token counts."
    )


class UserDeleted(BaseModel):
    """Tombstone: the account is gone, replicas should forget its personal data."""

    model_config = DATA_CONFIG

    id: UUID
    deleted: Literal[True] = True


EVENTS: dict[str, dict[int, type[BaseModel]]] = {
    "user.registered": {1: UserState},
    "user.profile_updated": {1: UserState},
    "user.deleted": {1: UserDeleted},
}
