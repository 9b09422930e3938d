"""Annotated field types shared by the producer modules: ids, money, timestamps, text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

#: Config of every event data model: immutable, tolerant of fields added by newer producers.
DATA_CONFIG = ConfigDict(frozen=True, extra="ignore")


def to_utc(value: datetime) -> datetime:
    """Normalise an aware datetime to UTC."""
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(to_utc)]
Cents = Annotated[int, Field(ge=0, le=2**53)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
