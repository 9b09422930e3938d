"""Write and check JSON Schema snapshots of each event version: `python -m shared_contracts.snapshots`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .compatibility import breaking_changes
from .envelope import Envelope
from .registry import EVENT_TYPES

SCHEMA_DIR = Path(__file__).with_name("schemas")
ENVELOPE_FILE = "envelope.json"
Schema = dict[str, Any]


def snapshot_name(event_type: str, version: int) -> str:
    """File name of one event version's snapshot, e.g. 'order.placed.v1.json'."""
    return f"{event_type}.v{version}.json"


def snapshot_event(name: str) -> tuple[str, int]:
    """Event type and schema version of a snapshot file: 'order.placed.v1.json' -> ('order.placed', 1)."""
    event_type, _, version = name.removesuffix(".json").rpartition(".v")
    return event_type, int(version)


def snapshot_label(name: str) -> str:
    """Readable label of a snapshot file: 'order.placed.v1.json' -> 'order.placed v1'."""
    stem = name.removesuffix(".json")
    event_type, dot_v, version = stem.rpartition(".v")
    return f"{event_type} v{version}" if dot_v and version.isdigit() else stem


def current_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema generated from the models as they are now."""
    schemas = {ENVELOPE_FILE: Envelope.model_json_schema()}
    for event_type, spec in sorted(EVENT_TYPES.items()):
        for version, model in sorted(spec.versions.items()):
            schemas[snapshot_name(event_type, version)] = model.model_json_schema()
    return schemas


def render(schema: dict[str, Any]) -> str:
    """Stable text of a schema: pretty-printed, sorted keys, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_snapshots(directory: Path = SCHEMA_DIR) -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of every snapshot on disk."""
    return {path.name: json.loads(path.read_text("utf-8")) for path in sorted(directory.glob("*.json"))}


def _problems(current: Mapping[str, Schema], snapshots: Mapping[str, Schema]) -> list[tuple[str, str]]:
    """(snapshot file, sentence) for each breaking change of the current schemas against the snapshots."""
    problems: list[tuple[str, str]] = []
    for name, old in snapshots.items():
        if name not in current:
            problems.append((name, f"{name}: snapshot has no registered model (event version removed?)"))
            continue
        problems += [(name, problem) for problem in breaking_changes(old, current[name], where=snapshot_label(name))]
    return problems


def check(directory: Path = SCHEMA_DIR) -> list[str]:
    """Breaking changes of the current models against the snapshots on disk."""
    return [problem for _, problem in _problems(current_schemas(), load_snapshots(directory))]


def gate(
    consumers: Mapping[str, Sequence[str]],
    current: Mapping[str, Schema] | None = None,
    snapshots: Mapping[str, Schema] | None = None,
) -> list[str]:
    """Breaking changes against the snapshots, each naming the consumers it breaks and the way out; [] when compatible.

    `consumers` maps an event type to labels of the systems that handle it (federation.asyncapi.consumer_labels);
    `current` and `snapshots` default to the models as they are and the committed snapshot files.
    """
    current = current_schemas() if current is None else current
    snapshots = load_snapshots() if snapshots is None else snapshots
    messages = []
    for name, problem in _problems(current, snapshots):
        if name == ENVELOPE_FILE:
            readers = sorted({label for labels in consumers.values() for label in labels})
            fix = "the envelope has no version of its own: keep it compatible"
        else:
            event_type, version = snapshot_event(name)
            readers = list(consumers.get(event_type, []))
            spec = EVENT_TYPES.get(event_type)
            following = spec.latest_version + 1 if spec else version + 1
            fix = (
                f"publish the change as {event_type} schema_version {following}"
                f" and keep v{version} until every consumer reads it"
            )
        who = (
            f"breaks consumer {'; '.join(readers)}"
            if readers
            else "no system consumes it, but it breaks the published contract"
        )
        messages.append(f"{problem} — {who}; {fix}")
    return messages


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every current schema; returns the files whose content changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, schema in current_schemas().items():
        path = directory / name
        text = render(schema)
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Command line: write snapshots, refusing breaking changes unless --force."""
    parser = argparse.ArgumentParser(prog="python -m shared_contracts.snapshots", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report breaking changes")
    parser.add_argument("--force", action="store_true", help="overwrite even when changes are breaking")
    args = parser.parse_args(argv)
    problems = check()
    for problem in problems:
        print(f"BREAKING {problem}", file=sys.stderr)
    if args.check or (problems and not args.force):
        if problems and not args.check:
            print("not written: add a new schema_version instead (or --force)", file=sys.stderr)
        return 1 if problems else 0
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
