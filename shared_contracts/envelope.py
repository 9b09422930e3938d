"""The event envelope: metadata every event carries around its typed data."""

from __future__ import annotations

import builtins
from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ._types import UtcDatetime
from .registry import EVENT_TYPES

DataModel = TypeVar("DataModel", bound=BaseModel)

EventData = Annotated[
    SerializeAsAny[BaseModel],
    WithJsonSchema(
        {
            "type": "object",
            "description": "Event data; its schema is <type>.v<schema_version>.json.",
        }
    ),
]


class EnvelopeFields(BaseModel):
    """Envelope metadata without the data, shared by the typed and the wire form."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: UUID
    type: str = Field(min_length=1, max_length=200)
    schema_version: int = Field(ge=1, le=10_000)
    occurred_at: UtcDatetime
    producer: str = Field(min_length=1, max_length=100)
    aggregate_id: str = Field(min_length=1, max_length=200)
    aggregate_version: int = Field(ge=1, le=2**63 - 1)
    correlation_id: str | None = Field(default=None, max_length=200)


class WireEnvelope(EnvelopeFields):
    """The envelope as parsed from JSON, before the data is typed."""

    data: dict[str, Any]


class Envelope(EnvelopeFields):
    """An event: envelope metadata plus the typed data model of its type and schema version."""

    data: EventData

    @field_validator("data", mode="before")
    @classmethod
    def _type_data(cls, value: Any, info: ValidationInfo) -> Any:
        """Turn data into the registered model of this type and version."""
        event_type, version = info.data.get("type"), info.data.get("schema_version")
        if event_type is None or version is None:
            return value
        spec = EVENT_TYPES.get(event_type)
        if spec is None:
            raise ValueError(f"unknown event type {event_type!r}")
        model = spec.versions.get(version)
        if model is None:
            raise ValueError(f"{event_type} has no schema version {version}")
        if type(value) is model:
            return value
        if isinstance(value, BaseModel):
            value = value.model_dump()
        return model.model_validate(value)

    @model_validator(mode="after")
    def _check_producer(self) -> Envelope:
        """Only the owning system may publish an event type."""
        expected = EVENT_TYPES[self.type].producer
        if self.producer != expected:
            raise ValueError(f"{self.type} is published by {expected!r}, not {self.producer!r}")
        return self

    def data_as(self, model: builtins.type[DataModel]) -> DataModel:
        """The data as the model a handler expects, so a handler registered for the wrong type fails loudly."""
        if not isinstance(self.data, model):
            raise TypeError(
                f"{self.type} v{self.schema_version} carries {type(self.data).__name__}, not {model.__name__}"
            )
        return self.data

    def to_json_bytes(self) -> bytes:
        """The UTF-8 JSON body of this event."""
        return self.model_dump_json().encode("utf-8")
