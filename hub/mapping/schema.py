"""Resolving paths against a JSON schema, to check mappings at load time.

The vendor side is checked against the JSON schema of the connector's pydantic model of one
record, the canonical side against the canonical model's. An object typed as a free dict
(``dict[str, X]``) accepts any key; a model's declared fields are its only keys, even with
``extra="allow"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.mapping.paths import Path

__all__ = ["ANY", "SchemaView", "json_types_of_python", "python_type_names"]

JSONSchema = dict[str, Any]
ANY: frozenset[str] = frozenset()  # an empty set of JSON types means "any type"

_PY_TO_JSON: dict[type, frozenset[str]] = {
    str: frozenset({"string"}),
    bool: frozenset({"boolean"}),
    int: frozenset({"integer", "number"}),
    float: frozenset({"number", "integer"}),
    list: frozenset({"array"}),
    tuple: frozenset({"array"}),
    dict: frozenset({"object"}),
    type(None): frozenset({"null"}),
}


def json_types_of_python(py: type) -> frozenset[str]:
    """The JSON schema types a Python type's values take (dates and datetimes are strings)."""
    for base, names in _PY_TO_JSON.items():
        if py is base:
            return names
    if py.__name__ in ("datetime", "date"):
        return frozenset({"string"})
    return ANY


def python_type_names(types: tuple[type, ...]) -> str:
    """Render accepted types for a message: ``str or int``."""
    return " or ".join(t.__name__ for t in types)


@dataclass(frozen=True)
class Resolved:
    """Where a path leads in a schema.

    Attributes:
        schema: The sub-schema reached (``{}`` when anything goes).
        types: Its JSON types (``ANY`` when unknown).
        many: Whether the path selects several values.
    """

    schema: JSONSchema
    types: frozenset[str]
    many: bool


class SchemaView:
    """A JSON schema (with ``$defs``) that resolves paths.

    Args:
        schema: A JSON schema as produced by ``BaseModel.model_json_schema()``.
    """

    def __init__(self, schema: JSONSchema) -> None:
        self._defs: dict[str, JSONSchema] = schema.get("$defs", {})
        self.root = schema

    def _deref(self, schema: JSONSchema) -> JSONSchema:
        while "$ref" in schema:
            schema = self._defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema

    def _branches(self, schema: JSONSchema) -> list[JSONSchema]:
        """The alternatives of a schema (``anyOf``/``oneOf`` flattened), dereferenced."""
        schema = self._deref(schema)
        alts = schema.get("anyOf") or schema.get("oneOf")
        if alts:
            return [b for alt in alts for b in self._branches(alt)]
        return [schema]

    def types(self, schema: JSONSchema) -> frozenset[str]:
        """The JSON types a schema allows; ``ANY`` when it does not say."""
        names: set[str] = set()
        for branch in self._branches(schema):
            kind = branch.get("type")
            if kind is None:
                if "properties" in branch or "additionalProperties" in branch:
                    names.add("object")
                elif "enum" in branch or "const" in branch:
                    names.add("string")
                else:
                    return ANY
            elif isinstance(kind, list):
                names.update(kind)
            else:
                names.add(kind)
        return frozenset(names)

    def _child(self, schema: JSONSchema, key: str) -> JSONSchema | None:
        """The schema of ``key`` inside an object schema, or None when it has no such key."""
        free = False
        for branch in self._branches(schema):
            props = branch.get("properties", {})
            if key in props:
                return dict(props[key])
            extra = branch.get("additionalProperties")
            if isinstance(extra, dict):
                return extra
            # A model with declared fields is closed even when it keeps unknown keys
            # (``extra="allow"``): its fields are what a mapping may rely on. Only a free dict
            # (no declared fields) accepts any key.
            if not props and (extra is True or branch.get("type") == "object"):
                free = True
            if not branch:
                free = True
        return {} if free else None

    def _items(self, schema: JSONSchema) -> JSONSchema | None:
        for branch in self._branches(schema):
            if branch.get("type") == "array" or "items" in branch:
                return dict(branch.get("items", {}))
            if not branch:
                return {}
        return None

    def keys(self, schema: JSONSchema) -> list[str]:
        """The known keys of an object schema (for did-you-mean hints)."""
        return [k for b in self._branches(schema) for k in b.get("properties", {})]

    def resolve(self, path: Path, *, start: JSONSchema | None = None) -> Resolved | str:
        """Follow ``path`` from ``start`` (default: the root).

        Returns:
            Where it leads, or a message saying which step does not exist.
        """
        schema = self.root if start is None else start
        many = False
        for seg in path.segments:
            child = self._child(schema, seg.name)
            if child is None:
                known = ", ".join(sorted(self.keys(schema))[:12])
                hint = f" (known: {known})" if known else ""
                return f"the schema has no field {seg.name!r} here{hint}"
            schema = child
            if seg.kind == "key":
                continue
            items = self._items(schema)
            if items is None:
                return f"{seg.name!r} is not a list, so [..] cannot select from it"
            if seg.kind == "filter" and self._child(items, seg.filter_key) is None:
                return f"the items of {seg.name!r} have no field {seg.filter_key!r}"
            many = many or seg.many
            if seg.kind == "append":
                return Resolved(items, self.types(items), many=True)
            schema = items
        return Resolved(schema, self.types(schema), many)
