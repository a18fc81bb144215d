"""A plain interpreter of compiled rules, kept as the reference the engine's closures must match.

It walks paths, applies transforms and builds items step by step, the straightforward way the
engine once did; the fast path (``hub.mapping.rules``, ``hub.mapping.paths``) must give the
same output, the same issues in the same order, for any record.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hub.mapping.engine import (
    CompiledMapping,
    CompiledRule,
    CompiledValue,
    FieldIssue,
    MappingResult,
    _completed,
)
from hub.mapping.paths import MISSING, Segment, parse_path
from hub.mapping.registry import TransformValueError
from hub.mapping.schema import python_type_names


def _select(seg: Segment, items: Any) -> Any:
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


def get(value: CompiledValue, obj: Any) -> Any:
    """Read a path the general way: one list of candidates per step."""
    if value.constant or value.source == "template":
        return value.get(obj)  # not a path
    path = parse_path(value.source)
    current = [obj]
    for seg in path.segments:
        found: list[Any] = []
        for item in current:
            got = _step(seg, item)
            if seg.many:
                if isinstance(got, list):
                    found.extend(got)
            elif got is not MISSING:
                found.append(got)
        current = found
    if path.many:
        return [v for v in current if v is not None]
    return current[0] if current else MISSING


def put(target: str, out: dict[str, Any], value: Any) -> None:
    """Write to a target path, creating objects on the way; ``x[]`` appends."""
    *parents, last = target.split(".")
    node = out
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            child = node[name] = {}
        node = child
    if last.endswith("[]"):
        items = node.get(last[:-2])
        if not isinstance(items, list):
            items = node[last[:-2]] = []
        items.append(value)
    else:
        node[last] = value


def transform(value: CompiledValue, raw: Any, target: str, issues: list[FieldIssue]) -> Any:
    for step in value.transforms:
        if raw is None and not step.runs_on_none:
            continue
        if step.accepts and not isinstance(raw, step.accepts):
            reason = (
                f"transform {step.name!r} takes {python_type_names(step.accepts)}, "
                f"got {type(raw).__name__}"
            )
            issues.append(FieldIssue(value.source, target, reason))
            return None
        try:
            raw = step.func(raw, **step.params)
        except TransformValueError as exc:
            issues.append(FieldIssue(value.source, target, f"{step.name}: {exc}"))
            return None
        except Exception as exc:  # noqa: BLE001 -- as the engine does
            reason = f"transform {step.name!r} failed ({type(exc).__name__})"
            issues.append(FieldIssue(value.source, target, reason))
            return None
    return raw


def produce(value: CompiledValue, obj: Any, target: str, issues: list[FieldIssue]) -> Any:
    if value.when is not None and not value.when(obj):
        return None
    raw = get(value, obj)
    if value.many and not value.list_in and raw is not MISSING:
        raw = raw[0] if raw else None
    if raw is None or raw is MISSING:
        return transform(value, None, target, issues) if value.none_runs else None
    return transform(value, raw, target, issues) if value.transforms else raw


def item(rule: CompiledRule, element: Any, issues: list[FieldIssue]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    found_data = False
    for name, sub in rule.fields:
        value = produce(sub, element, f"{rule.target}.{name}", issues)
        if value is not None:
            out[name] = value
            found_data = found_data or not sub.constant
    return out if found_data else None


def run(rule: CompiledRule, record: Any, out: dict[str, Any], issues: list[FieldIssue]) -> None:
    source = rule.value
    if not rule.appends:
        found = produce(source, record, rule.target, issues)
        if found is not None:
            put(rule.target, out, item(rule, found, issues) if rule.fields else found)
        return
    if source.when is not None and not source.when(record):
        return
    raw = get(source, record)
    if raw is MISSING or raw is None:
        return
    for element in raw if source.many else [raw]:
        value = transform(source, element, rule.target, issues)
        for one in value if isinstance(value, list) else [value]:
            made = item(rule, one, issues) if one is not None and rule.fields else one
            if made is not None:
                put(rule.target, out, made)


def to_canonical(mapping: CompiledMapping[Any], record: Any) -> MappingResult[Any]:
    issues: list[FieldIssue] = []
    data: dict[str, Any] = {}
    for rule in mapping.inbound:
        run(rule, record, data, issues)
    return MappingResult(mapping._validate(data, issues), data, tuple(issues))


def to_vendor(mapping: CompiledMapping[Any], canonical: Any) -> MappingResult[Any]:
    source = (
        canonical.model_dump(mode="json")
        if isinstance(canonical, BaseModel)
        else _completed(mapping.model, canonical)
    )
    issues: list[FieldIssue] = []
    payload: dict[str, Any] = {}
    for rule in mapping.outbound:
        run(rule, source, payload, issues)
    return MappingResult(None, payload, tuple(issues))
