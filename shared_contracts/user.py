"""Events published by the user system: account state and its tombstone."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from ._types import DATA_CONFIG, Email

Role = Annotated[str, Field(min_length=1, max_length=64)]


class UserState(BaseModel):
    """Full public state of a user account (never credentials)."""

    model_config = DATA_CONFIG

    id: UUID
    email: Email
    display_name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = []
    deleted: bool = False


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
