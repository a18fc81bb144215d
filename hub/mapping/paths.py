"""Paths into nested records: parsed once, compiled into getter and setter closures.

Grammar (segments separated by ``.``)::

    name            a key of an object            properties.email
    name[*]         every element of a list       email_addresses[*].value
    name[N]         element N (0-based)           email_addresses[0]
    name[N:]        elements from N on            email_addresses[1:]
    name[k=v|w]     elements whose key k is v or w email_addresses[type=personal].value
    name[]          (targets only) append one item per value   emails[]

A path with ``[*]``, ``[N:]`` or ``[k=v]`` selects *many* values: its getter returns a list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "MISSING",
    "Getter",
    "Path",
    "PathSyntaxError",
    "Segment",
    "compile_getter",
    "compile_setter",
    "key_getter",
    "parse_path",
]

Getter = Callable[[Any], Any]
SelectorKind = Literal["key", "all", "index", "slice", "filter", "append"]

_SEGMENT = re.compile(r"(?P<name>[A-Za-z0-9_\-]+)(?:\[(?P<sel>[^\]]*)\])?$")
_FILTER = re.compile(r"(?P<key>[A-Za-z0-9_\-]+)=(?P<values>[^\]]+)$")


class _Missing:
    """Marker for "the path leads nowhere", distinct from an explicit ``null``."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class PathSyntaxError(ValueError):
    """A path string does not follow the grammar."""


@dataclass(frozen=True)
class Segment:
    """One step of a path: a key, then optionally a list selector.

    Attributes:
        name: The object key.
        kind: ``key`` (no selector), ``all``, ``index``, ``slice``, ``filter`` or ``append``.
        index: For ``index`` and ``slice``: the element number.
        filter_key: For ``filter``: the key compared in each element.
        filter_values: For ``filter``: accepted values (parsed literals).
    """

    name: str
    kind: SelectorKind = "key"
    index: int = 0
    filter_key: str = ""
    filter_values: tuple[Any, ...] = ()

    @property
    def many(self) -> bool:
        """Whether this step selects several values."""
        return self.kind in ("all", "slice", "filter")


@dataclass(frozen=True)
class Path:
    """A parsed path.

    Attributes:
        text: The path as written.
        segments: Its steps; empty for ``.`` (the value itself).
    """

    text: str
    segments: tuple[Segment, ...]

    @property
    def many(self) -> bool:
        """Whether the path selects several values (its getter returns a list)."""
        return any(s.many for s in self.segments)

    @property
    def appends(self) -> bool:
        """Whether the path ends in ``[]`` (a target that appends one item per value)."""
        return bool(self.segments) and self.segments[-1].kind == "append"


def _literal(text: str) -> Any:
    """Parse a filter value: ``true``/``false``/``null``, integers, else the text itself."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if re.fullmatch(r"-?\d+", text.strip()):
        return int(text)
    return text.strip()


def _parse_segment(raw: str) -> Segment:
    match = _SEGMENT.match(raw)
    if match is None:
        raise PathSyntaxError(f"bad path segment {raw!r}")
    name, sel = match["name"], match["sel"]
    if sel is None:
        return Segment(name)
    if sel == "":
        return Segment(name, "append")
    if sel == "*":
        return Segment(name, "all")
    if re.fullmatch(r"\d+", sel):
        return Segment(name, "index", index=int(sel))
    if re.fullmatch(r"\d+:", sel):
        return Segment(name, "slice", index=int(sel[:-1]))
    filt = _FILTER.match(sel)
    if filt is None:
        raise PathSyntaxError(f"bad selector [{sel}] (use [*], [N], [N:], [key=value] or [])")
    values = tuple(_literal(v) for v in filt["values"].split("|"))
    return Segment(name, "filter", filter_key=filt["key"], filter_values=values)


def parse_path(text: str) -> Path:
    """Parse a path string.

    Args:
        text: The path; ``.`` or ``""`` means the value itself.

    Returns:
        The parsed path.

    Raises:
        PathSyntaxError: When the text does not follow the grammar.
    """
    if text in ("", "."):
        return Path(text, ())
    segments = tuple(_parse_segment(part) for part in text.split("."))
    if any(s.kind == "append" for s in segments[:-1]):
        raise PathSyntaxError("[] (append) may only end a path")
    return Path(text, segments)


def _select(seg: Segment, items: Any) -> Any:
    """Apply a list selector to one value; returns MISSING or a value, or a list for many."""
    if not isinstance(items, list):
        return MISSING if items is None or not seg.many else []
    if seg.kind == "all":
        return items
    if seg.kind == "index":
        return items[seg.index] if seg.index < len(items) else MISSING
    if seg.kind == "slice":
        return items[seg.index :]
    key, accepted = seg.filter_key, seg.filter_values
    return [i for i in items if isinstance(i, dict) and i.get(key, MISSING) in accepted]


def _step(seg: Segment, value: Any) -> Any:
    if not isinstance(value, dict):
        return MISSING
    got = value.get(seg.name, MISSING)
    if seg.kind == "key" or got is MISSING:
        return got
    return _select(seg, got)


def key_getter(names: tuple[str, ...]) -> Getter:
    """A reader for plain keys only: the common case, kept free of list handling."""
    if len(names) == 1:
        (only,) = names

        def get_one(value: Any) -> Any:
            return value.get(only, MISSING) if isinstance(value, dict) else MISSING

        return get_one
    if len(names) == 2:
        outer, inner = names

        # Unrolled: most vendor paths are two keys deep (``properties.email``).
        def get_two(value: Any) -> Any:
            if not isinstance(value, dict):
                return MISSING
            value = value.get(outer, MISSING)
            return value.get(inner, MISSING) if isinstance(value, dict) else MISSING

        return get_two

    def get_keys(value: Any) -> Any:
        for name in names:
            if not isinstance(value, dict):
                return MISSING
            value = value.get(name, MISSING)
        return value

    return get_keys


def _one_selector_getter(head: tuple[str, ...], seg: Segment, rest: tuple[str, ...]) -> Getter:
    """A reader for plain keys, one list selector, plain keys (``emails[0].value``).

    Same results as the general reader, without its per-step lists.
    """
    name, kind, index = seg.name, seg.kind, seg.index
    filter_key, accepted = seg.filter_key, seg.filter_values
    lead = key_getter(head) if head else None
    tail = key_getter(rest) if rest else None

    def select(value: Any) -> Any:
        if lead is not None:
            value = lead(value)
        items = value.get(name, MISSING) if isinstance(value, dict) else MISSING
        if not isinstance(items, list):
            return MISSING
        if kind == "all":
            return items
        if kind == "slice":
            return items[index:]
        return [i for i in items if isinstance(i, dict) and i.get(filter_key, MISSING) in accepted]

    if kind == "index":

        def get_index(value: Any) -> Any:
            if lead is not None:
                value = lead(value)
            items = value.get(name, MISSING) if isinstance(value, dict) else MISSING
            if not isinstance(items, list) or index >= len(items):
                return MISSING
            return items[index] if tail is None else tail(items[index])

        return get_index
    if tail is None:

        def get_many(value: Any) -> Any:
            items = select(value)
            return [] if items is MISSING else [v for v in items if v is not None]

        return get_many

    def get_many_keys(value: Any) -> Any:
        items = select(value)
        if items is MISSING:
            return []
        found = [tail(item) for item in items]
        return [v for v in found if v is not MISSING and v is not None]

    return get_many_keys


def compile_getter(path: Path) -> Getter:
    """Build a fast reader for ``path``.

    The getter returns the value, ``MISSING`` when the path leads nowhere (a wrong type on
    the way counts as nowhere), or for a *many* path a list of the values found (possibly empty).
    """
    segments = path.segments
    if not segments:
        return lambda value: value
    if all(s.kind == "key" for s in segments):
        return key_getter(tuple(s.name for s in segments))
    selectors = [i for i, s in enumerate(segments) if s.kind != "key"]
    if len(selectors) == 1 and segments[selectors[0]].kind != "append":
        at = selectors[0]
        head, rest = segments[:at], segments[at + 1 :]
        names = tuple(s.name for s in head), tuple(s.name for s in rest)
        return _one_selector_getter(names[0], segments[at], names[1])
    steps = tuple((seg, seg.many) for seg in segments)
    many = path.many

    def get(value: Any) -> Any:
        current: list[Any] = [value]
        for seg, seg_many in steps:
            found: list[Any] = []
            for item in current:
                got = _step(seg, item)
                if seg_many:
                    if isinstance(got, list):
                        found.extend(got)
                elif got is not MISSING:
                    found.append(got)
            current = found
        if many:
            return [v for v in current if v is not None]
        return current[0] if current else MISSING

    return get


Setter = Callable[[dict[str, Any], Any], None]


def compile_setter(path: Path) -> Setter:
    """Build a writer for a target path of plain keys, optionally ending in ``[]``.

    The setter creates intermediate objects as needed; an ``[]`` target appends the value to
    a list.

    Raises:
        PathSyntaxError: When the path has a reading selector (``[*]``, ``[N]``, ``[k=v]``).
    """
    if not path.segments:
        raise PathSyntaxError("a target path cannot be empty")
    if any(s.kind not in ("key", "append") for s in path.segments):
        raise PathSyntaxError("a target path may only use plain keys and a final []")
    parents = tuple(s.name for s in path.segments[:-1])
    last = path.segments[-1]
    name, appends = last.name, last.kind == "append"
    if not parents and not appends:

        def set_key(out: dict[str, Any], value: Any) -> None:
            out[name] = value

        return set_key
    if not parents:

        def append(out: dict[str, Any], value: Any) -> None:
            items = out.get(name)
            if not isinstance(items, list):
                items = out[name] = []
            items.append(value)

        return append

    def set_value(out: dict[str, Any], value: Any) -> None:
        node = out
        for parent in parents:
            child = node.get(parent)
            if not isinstance(child, dict):
                child = node[parent] = {}
            node = child
        if appends:
            items = node.get(name)
            if not isinstance(items, list):
                items = node[name] = []
            items.append(value)
        else:
            node[name] = value

    return set_value
