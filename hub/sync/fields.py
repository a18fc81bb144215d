"""A canonical Person as a flat map of field paths, the unit of policy, provenance and diffs.

Paths are the Person's attribute names, ``consent.<name>`` for consent flags and
``custom.<key>`` for custom fields. Multi-valued fields (emails, phones, links, tags) are one
field each; their values are tuples.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hub.models import Consent, Person

__all__ = ["MULTI_VALUED", "FieldMap", "flatten", "is_empty", "unflatten", "value_hash"]

FieldMap = dict[str, Any]
MULTI_VALUED = frozenset({"emails", "phones", "links", "tags"})


def flatten(person: Person) -> FieldMap:
    """The person's non-empty fields by path (JSON-compatible values, tuples for lists)."""
    data = person.model_dump(mode="json", exclude_none=True)
    flat: FieldMap = {}
    for name, value in data.items():
        if name == "consent":
            flat.update({f"consent.{k}": v for k, v in value.items()})
        elif name == "custom":
            flat.update({f"custom.{k}": v for k, v in value.items() if v is not None})
        elif name in MULTI_VALUED:
            if value:
                flat[name] = tuple(_freeze(v) for v in value)
        else:
            flat[name] = value
    return {k: v for k, v in flat.items() if not is_empty(v)}


def unflatten(fields: FieldMap) -> Person:
    """The Person with these fields (the inverse of :func:`flatten`)."""
    data: dict[str, Any] = {}
    consent: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for path, value in fields.items():
        head, _, rest = path.partition(".")
        if head == "consent":
            consent[rest] = value
        elif head == "custom":
            custom[rest] = value
        elif head in MULTI_VALUED:
            data[head] = [dict(v) if isinstance(v, tuple) and _is_pairs(v) else v for v in value]
        else:
            data[head] = value
    return Person.model_validate({**data, "consent": Consent(**consent), "custom": custom})


def is_empty(value: Any) -> bool:
    """None, blank strings and empty collections carry no information."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, tuple | list | dict) and not value


def value_hash(value: Any) -> str:
    """A stable hash of a field value (for the write ledger and echo detection)."""
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:32]


def _freeze(value: Any) -> Any:
    # dicts inside lists (an email with its type) become sorted pair tuples: hashable, comparable
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


def _is_pairs(value: tuple[Any, ...]) -> bool:
    return all(isinstance(item, tuple) and len(item) == 2 for item in value)
