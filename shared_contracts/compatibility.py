"""Compare two JSON Schemas of one event version and list the changes that would break consumers."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

#: Constraints that narrow what is accepted when their value goes up (or appears).
NARROW_WHEN_RAISED = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
#: Constraints that narrow what is accepted when their value goes down (or appears).
NARROW_WHEN_LOWERED = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
#: Constraints that narrow when they appear or change at all.
NARROW_WHEN_CHANGED = ("pattern", "format", "multipleOf")

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


def breaking_changes(old_schema: Schema, new_schema: Schema, *, where: str = "") -> list[str]:
    """Sentences naming each breaking change from old_schema to new_schema; [] when compatible."""
    checker = _Checker(old_schema, new_schema)
    checker.compare(old_schema, new_schema, "")
    prefix = f"{where}: " if where else ""
    return [prefix + problem for problem in checker.problems]


def _resolve(node: Schema, root: Schema) -> Schema:
    """Follow local $ref (and single-item allOf) to the schema they point to, keeping siblings."""
    for _ in range(100):
        if "$ref" in node:
            target = _pointer(root, node["$ref"])
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        elif isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
            node = {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}
        else:
            return node
    raise ValueError("$ref chain too long")


def _pointer(root: Schema, ref: str) -> Schema:
    """The schema at a local JSON pointer such as '#/$defs/OrderLine'."""
    if not ref.startswith("#"):
        raise ValueError(f"only local $ref is supported, got {ref!r}")
    node: Any = root
    for part in filter(None, ref[1:].split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    schema: Schema = node
    return schema


def _variants(node: Schema, root: Schema) -> list[Schema]:
    """The alternatives of an anyOf/oneOf, flattened and resolved; [node] otherwise."""
    options = node.get("anyOf") or node.get("oneOf")
    if not isinstance(options, list):
        return [node]
    return [v for option in options for v in _variants(_resolve(option, root), root)]


def _types(node: Schema) -> frozenset[str]:
    """The JSON types a schema node accepts ('any' when it does not say)."""
    declared = node.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list):
        return frozenset(declared)
    if "const" in node:
        return frozenset({_json_type(node["const"])})
    if isinstance(node.get("enum"), list):
        return frozenset(_json_type(v) for v in node["enum"])
    if "properties" in node:
        return frozenset({"object"})
    if "items" in node or "prefixItems" in node:
        return frozenset({"array"})
    return frozenset({"any"})


def _json_type(value: Any) -> str:
    """The JSON type name of a Python value."""
    return "null" if value is None else _JSON_TYPES.get(type(value), "any")


def _show(types: frozenset[str]) -> str:
    """Types as readable text: 'integer or null'."""
    return " or ".join(sorted(types))


def _name(path: str) -> str:
    """How a sentence names the place of a change."""
    return f"property '{path}'" if path else "the data"


def _child(path: str, name: str) -> str:
    """Path of a property below path."""
    return f"{path}.{name}" if path else name


class _Checker:
    """Walks both schemas side by side, collecting problems."""

    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        """Remember the roots that $ref resolves against."""
        self.old_root, self.new_root = old_root, new_root
        self.problems: list[str] = []
        self._active: set[tuple[str | None, str | None]] = set()

    def _report(self, path: str, text: str) -> None:
        """Record one problem as a sentence about the place at path."""
        self.problems.append(f"{_name(path)} {text}")

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        """Compare two nodes, guarding against recursive $ref cycles."""
        key = (old.get("$ref"), new.get("$ref"))
        if key != (None, None):
            if key in self._active:
                return
            self._active.add(key)
        try:
            self._compare_resolved(_resolve(old, self.old_root), _resolve(new, self.new_root), path)
        finally:
            self._active.discard(key)

    def _compare_resolved(self, old: Schema, new: Schema, path: str) -> None:
        """Match the alternatives of both nodes by type and compare them pairwise."""
        old_variants, new_variants = _variants(old, self.old_root), _variants(new, self.new_root)
        if len(old_variants) == 1 and len(new_variants) == 1:
            self._compare_single(old_variants[0], new_variants[0], path)
            return
        old_types = frozenset().union(*(_types(v) for v in old_variants))
        new_types = frozenset().union(*(_types(v) for v in new_variants))
        if old_types != new_types:
            self._report(path, f"changed type from {_show(old_types)} to {_show(new_types)}")
            return
        for old_variant in old_variants:
            match = next((v for v in new_variants if _types(v) == _types(old_variant)), None)
            if match is not None:
                self.compare(old_variant, match, path)

    def _compare_single(self, old: Schema, new: Schema, path: str) -> None:
        """Compare one schema node without alternatives."""
        old_types, new_types = _types(old), _types(new)
        if old_types != new_types:
            self._report(path, f"changed type from {_show(old_types)} to {_show(new_types)}")
            return
        self._check_values(old, new, path)
        self._check_constraints(old, new, path)
        if "object" in new_types:
            self._check_object(old, new, path)
        if "array" in new_types:
            self._check_array(old, new, path)

    def _check_values(self, old: Schema, new: Schema, path: str) -> None:
        """Const and enum may not exclude values that were allowed."""
        if "const" in new and old.get("const", object()) != new["const"]:
            if "const" in old:
                self._report(path, f"const changed from {old['const']!r} to {new['const']!r}")
            else:
                self._report(path, f"is now restricted to {new['const']!r}")
        if isinstance(new.get("enum"), list):
            old_values = old.get("enum", [old["const"]] if "const" in old else None)
            if old_values is None:
                self._report(path, f"is now restricted to {new['enum']!r}")
            else:
                removed = [v for v in old_values if v not in new["enum"]]
                if removed:
                    shown = ", ".join(repr(v) for v in removed)
                    self._report(path, f"no longer allows {shown}")

    def _check_constraints(self, old: Schema, new: Schema, path: str) -> None:
        """Numeric, length and pattern constraints may not narrow."""
        for keyword in NARROW_WHEN_RAISED + NARROW_WHEN_LOWERED:
            if keyword not in new:
                continue
            if keyword not in old:
                self._report(path, f"gained {keyword} {new[keyword]!r}")
            elif keyword in NARROW_WHEN_RAISED and new[keyword] > old[keyword]:
                self._report(path, f"{keyword} raised from {old[keyword]!r} to {new[keyword]!r}")
            elif keyword in NARROW_WHEN_LOWERED and new[keyword] < old[keyword]:
                self._report(path, f"{keyword} lowered from {old[keyword]!r} to {new[keyword]!r}")
        for keyword in NARROW_WHEN_CHANGED:
            if keyword in new and old.get(keyword) != new[keyword]:
                before = f"from {old[keyword]!r} " if keyword in old else ""
                self._report(path, f"{keyword} changed {before}to {new[keyword]!r}")
        if new.get("uniqueItems") and not old.get("uniqueItems"):
            self._report(path, "now requires unique items")

    def _check_object(self, old: Schema, new: Schema, path: str) -> None:
        """Properties may not disappear or become required; their schemas are compared."""
        old_props: Schema = old.get("properties", {})
        new_props: Schema = new.get("properties", {})
        for name, old_prop in old_props.items():
            if name not in new_props:
                self.problems.append(f"property '{_child(path, name)}' removed")
            else:
                self.compare(old_prop, new_props[name], _child(path, name))
        old_required = set(old.get("required", []))
        for name in sorted(set(new.get("required", [])) - old_required):
            if name in old_props:
                self.problems.append(f"property '{_child(path, name)}' became required")
            else:
                self.problems.append(f"new required property '{_child(path, name)}'")
        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.compare(old_extra, new_extra, _child(path, "*"))
        elif new_extra is not True and old_extra is True:
            self._report(path, "now restricts additional properties")
        elif new_extra is False and old_extra is not False:
            self._report(path, "no longer allows additional properties")

    def _check_array(self, old: Schema, new: Schema, path: str) -> None:
        """Item schemas are compared, position by position for tuples."""
        old_prefix, new_prefix = old.get("prefixItems", []), new.get("prefixItems", [])
        for index, (old_item, new_item) in enumerate(zip(old_prefix, new_prefix, strict=False)):
            self.compare(old_item, new_item, f"{path}[{index}]")
        if len(new_prefix) > len(old_prefix):
            self._report(path, "gained tuple positions")
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.compare(old["items"], new["items"], f"{path}[]")
        elif isinstance(new.get("items"), dict) and "items" not in old:
            self._report(path, "now restricts its items")
