"""Previewing a mapping on one real record: what it becomes, what it writes back, what is lost.

Pure: it gets a compiled mapping and a decoded record, and returns text for the admin.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hub.mapping.engine import CompiledMapping, FieldIssue

__all__ = ["Preview", "preview_record", "render_preview", "unmapped_fields"]

_MAX_DEPTH = 4


@dataclass(frozen=True)
class Preview:
    """The outcome of mapping one record.

    Attributes:
        canonical: The canonical record (defaults left out), or ``None`` when it is invalid.
        payload: The vendor payload the outbound rules would write, when asked for.
        issues: Values that could not be mapped, and why (inbound, then outbound).
        unmapped: Vendor fields holding data that no inbound rule reads.
    """

    canonical: dict[str, Any] | None
    payload: dict[str, Any] | None
    issues: tuple[FieldIssue, ...]
    unmapped: tuple[str, ...]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _unread(value: Any, prefix: str, reads: frozenset[str], depth: int) -> Iterator[str]:
    """The top-most paths under ``prefix`` that hold data and that no rule reads."""
    if _empty(value) or any(prefix == r or prefix.startswith(r + ".") for r in reads):
        return
    if prefix and not any(r.startswith(prefix + ".") for r in reads):
        yield prefix  # nothing below is read: name the whole subtree once
        return
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict) and depth < _MAX_DEPTH:
            for key, child in item.items():
                path = f"{prefix}.{key}" if prefix else str(key)
                yield from _unread(child, path, reads, depth + 1)


def unmapped_fields(mapping: CompiledMapping[Any], record: Mapping[str, Any]) -> list[str]:
    """Top-level-most vendor fields of ``record`` holding data that no inbound rule reads."""
    reads = frozenset(path for rule in mapping.inbound for path in rule.reads)
    return list(dict.fromkeys(_unread(dict(record), "", reads, 0)))


def preview_record(
    mapping: CompiledMapping[Any], record: Mapping[str, Any], *, outbound: bool = False
) -> Preview:
    """Map one vendor record, and with ``outbound`` map the result back to a vendor payload."""
    inbound = mapping.to_canonical(record)
    issues = list(inbound.issues)
    canonical = None
    payload = None
    if inbound.value is not None:
        canonical = inbound.value.model_dump(mode="json", exclude_defaults=True)
        if outbound:
            written = mapping.to_vendor(inbound.value)
            payload = written.payload
            issues.extend(written.issues)
    return Preview(canonical, payload, tuple(issues), tuple(unmapped_fields(mapping, record)))


def render_preview(preview: Preview, *, name: str) -> str:
    """Render a preview as text: the canonical record, the payload, then what was not mapped."""
    lines = [f"# {name}: canonical record"]
    lines.append(json.dumps(preview.canonical, indent=2, ensure_ascii=False, sort_keys=True))
    if preview.payload is not None:
        lines.append("# vendor payload it would write back")
        lines.append(json.dumps(preview.payload, indent=2, ensure_ascii=False, sort_keys=True))
    if preview.issues:
        lines.append("# could not be mapped")
        lines += [f"- {issue}" for issue in preview.issues]
    if preview.unmapped:
        lines.append("# not mapped (no inbound rule reads these fields)")
        lines += [f"- {path}" for path in preview.unmapped]
    if not preview.issues and not preview.unmapped:
        lines.append("# every field with data was mapped")
    return "\n".join(lines)
