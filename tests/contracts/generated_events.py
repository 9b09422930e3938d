"""Events generated from the producers' JSON Schemas (with Hypothesis) and applied through a system's real consumer path."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from federation.consumer import EventRejected
from federation.db import make_engine, make_session_factory
from federation.migrations import upgrade
from federation.settings import Settings
from federation.systems import System
from federation.worker import build_consumer
from shared_contracts import Envelope, event_spec, new_event

#: A few ids events draw from, so that a stream of generated events refers to the same orders, products and users.
SHARED_IDS = tuple(str(UUID(int=n)) for n in (0x5C5, 0xA11CE, 0xB0B))
#: Strings of the formats pydantic's schemas use; uuid values come mostly from SHARED_IDS.
FORMATS: dict[str, st.SearchStrategy[str]] = {
    "uuid": st.sampled_from(SHARED_IDS) | st.uuids().map(str),
    "date-time": st.datetimes(
        min_value=datetime(1970, 1, 2),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]),
    ).map(datetime.isoformat),
}
#: Keywords the generator understands; any other keyword in a producer's schema fails loudly instead of being ignored.
KNOWN_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "enum",
        "const",
        "anyOf",
        "oneOf",
        "$ref",
        "$defs",
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "title",
        "description",
        "default",
    }
)
#: Values of properties a newer producer might add: consumers must ignore them.
UNKNOWN_VALUES = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
#: Bounded, deterministic runs: the same examples every time, no example database, no shrinking (a failure shows its
#: events as drawn, at once).
BOUNDED = settings(
    max_examples=5,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)


def from_schema(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """JSON values valid against a JSON Schema node of the kind pydantic writes (local $ref, anyOf, enum, bounds)."""
    unknown = set(schema) - KNOWN_KEYWORDS
    if unknown:
        raise NotImplementedError(f"the event generator does not understand {sorted(unknown)} in {schema}")
    if "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return from_schema(node, root)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema["anyOf"] if "anyOf" in schema else schema["oneOf"]
        return st.one_of([from_schema(option, root) for option in options])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema["type"]
    if kind == "object":
        return _objects(schema, root)
    if kind == "array":
        return st.lists(
            from_schema(schema["items"], root), min_size=schema.get("minItems", 0), max_size=schema.get("maxItems", 3)
        )
    if kind == "string":
        return _strings(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    return {"boolean": st.booleans(), "null": st.none()}[kind]


def _objects(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[dict]:
    """Objects with every required property, some optional ones, and sometimes a property the schema does not know."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    known = st.fixed_dictionaries(
        {name: from_schema(sub, root) for name, sub in properties.items() if name in required},
        optional={name: from_schema(sub, root) for name, sub in properties.items() if name not in required},
    )
    if schema.get("additionalProperties", True) is not True:
        return known
    extra = st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda key: key not in properties), UNKNOWN_VALUES, max_size=2
    )
    return st.tuples(known, extra).map(lambda parts: {**parts[1], **parts[0]})


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Strings of a format, a pattern or just a length."""
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if "format" in schema:
        base = FORMATS[schema["format"]]
    elif "pattern" in schema:
        base = st.from_regex(schema["pattern"], fullmatch=True)
    else:
        return st.text(min_size=low, max_size=min(high, 40) if high is not None else 40)
    return base.filter(lambda text: low <= len(text) <= (high if high is not None else len(text)))


def data_from_schema(event_type: str, version: int | None = None) -> st.SearchStrategy[dict]:
    """JSON data valid against the producer's schema of an event version (the latest unless given)."""
    spec = event_spec(event_type)
    schema = spec.versions[spec.latest_version if version is None else version].model_json_schema()
    return from_schema(schema, schema)


@st.composite
def envelopes(draw: st.DrawFn, event_type: str, version: int | None = None) -> Envelope:
    """A whole event of one type: data from its schema, an aggregate id among the data's ids, a version, a time."""
    data = draw(data_from_schema(event_type, version))
    ids = sorted({str(value) for key, value in data.items() if key == "id" or key.endswith("_id")}) or list(SHARED_IDS)
    return new_event(
        event_type,
        data,
        aggregate_id=draw(st.sampled_from(ids)),
        aggregate_version=draw(st.integers(min_value=1, max_value=5)),
        schema_version=version,
        occurred_at=draw(st.datetimes(min_value=datetime(2000, 1, 1), timezones=st.just(UTC))),
    )


def migrated_database(system: System, directory: Path, template: Path | None = None) -> str:
    """A SQLite URL of the system's database at head: a copy of `template` when given, else migrated afresh."""
    path = directory / f"{system.name}.db"
    if template is not None:
        shutil.copy(template, path)
    else:
        engine = make_engine(f"sqlite:///{path}")
        upgrade(system, Settings.from_env(system.name, {"SCS_DATA_DIR": str(directory)}), engine=engine)
        engine.dispose()  # checkpoints the write-ahead log, so the file alone can serve as a template
    return f"sqlite:///{path}"


def apply_generated_streams(system: System, event_type: str, database_url: str, data_dir: Path) -> Counter[str]:
    """Apply generated event streams ending in `event_type` through the system's consumer; errors but EventRejected propagate."""
    settings_ = Settings.from_env(system.name, {"SCS_DATA_DIR": str(data_dir)})
    engine = make_engine(database_url)
    consumer = build_consumer(system, settings_, make_session_factory(engine))
    outcomes: Counter[str] = Counter()
    consumed: Sequence[str] = system.consumed_event_types

    @BOUNDED
    @given(st.data())
    def apply_stream(data: st.DataObject) -> None:
        history = data.draw(st.lists(st.sampled_from(consumed), max_size=3), label="events before")
        for each in [*history, event_type]:
            envelope = data.draw(envelopes(each), label=each)
            try:
                outcomes["applied" if consumer.apply(envelope) else "duplicate"] += 1
            except EventRejected:
                outcomes["rejected"] += 1

    try:
        apply_stream()
    finally:
        engine.dispose()
    return outcomes
