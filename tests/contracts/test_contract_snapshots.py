"""JSON Schema snapshots cover every event version, and the models stay compatible with them."""

from __future__ import annotations

from shared_contracts import EVENT_TYPES
from shared_contracts.compatibility import breaking_changes
from shared_contracts.snapshots import (
    ENVELOPE_FILE,
    SCHEMA_DIR,
    current_schemas,
    load_snapshots,
    render,
    snapshot_label,
    snapshot_name,
)


def test_every_event_version_has_a_snapshot() -> None:
    """Each registered (type, version) and the envelope have a snapshot file."""
    versions = {snapshot_name(t, v) for t, spec in EVENT_TYPES.items() for v in spec.versions}
    expected = {ENVELOPE_FILE} | versions
    missing = sorted(expected - set(load_snapshots()))
    assert not missing, f"missing snapshots {missing}: run `python -m shared_contracts.snapshots`"


def test_every_snapshot_still_has_a_model() -> None:
    """A published version is never dropped silently: its snapshot keeps needing a model."""
    orphans = sorted(set(load_snapshots()) - set(current_schemas()))
    assert not orphans, f"snapshots without a registered model: {orphans}"


def test_snapshots_are_compatible() -> None:
    """Current models accept what each snapshot accepted and keep every field."""
    current = current_schemas()
    problems = [
        f"{problem} — add schema_version {_next_version(name)} instead"
        for name, snapshot in load_snapshots().items()
        if name in current
        for problem in breaking_changes(snapshot, current[name], where=snapshot_label(name))
    ]
    assert not problems, "\n".join(problems)


def test_snapshots_are_up_to_date() -> None:
    """Snapshot files equal the current schemas, so compatible additions get recorded too."""
    on_disk = {path.name: path.read_text("utf-8") for path in SCHEMA_DIR.glob("*.json")}
    stale = sorted(name for name, schema in current_schemas().items() if on_disk.get(name) != render(schema))
    assert not stale, f"stale snapshots {stale}: run `python -m shared_contracts.snapshots`"


def _next_version(name: str) -> int | str:
    """The schema version a breaking change to this snapshot should get."""
    event_type = snapshot_label(name).split(" v")[0]
    spec = EVENT_TYPES.get(event_type)
    return spec.latest_version + 1 if spec else "N+1"
