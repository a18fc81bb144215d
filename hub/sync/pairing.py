"""What one sync pair needs at run time: its two connectors, mappings and merged policies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from hub.connector import Connector
from hub.errors import ConfigError
from hub.mapping.engine import CompiledMapping, SyncPolicy
from hub.sync.planner import FieldPolicy, PolicySet

__all__ = ["Side", "merge_policies"]

_STRENGTH = {"never": 3, "owner": 2, "fill_if_empty": 1, "latest": 0}


@dataclass(frozen=True)
class Side:
    """One system of a pair: its connection, connector, person object type and mapping."""

    system: str
    connection: str
    connector: Connector
    object_type: str
    mapping: CompiledMapping[Any]

    @cached_property
    def writable(self) -> frozenset[str]:
        """Canonical fields this side's outbound mapping writes (top-level paths)."""
        return frozenset(_field_of(path) for rule in self.mapping.outbound for path in rule.reads)


def merge_policies(*mappings: Mapping[str, SyncPolicy]) -> PolicySet:
    """One policy per field from the pair's mappings; where they differ the stricter wins.

    Strictness: ``never`` > ``owner`` > ``fill_if_empty`` > ``latest``. Two different owners
    for one field is a configuration error.
    """
    merged: dict[str, SyncPolicy] = {}
    for policies in mappings:
        for path, policy in policies.items():
            have = merged.get(path)
            if have is None or _STRENGTH[policy.kind] > _STRENGTH[have.kind]:
                merged[path] = policy
            elif have.kind == policy.kind == "owner" and have.owner != policy.owner:
                raise ConfigError(
                    f"sync policy of {path!r}: one mapping says owner {have.owner}, "
                    f"another owner {policy.owner}"
                )
    return PolicySet({_as_pattern(p): FieldPolicy(s.kind, s.owner) for p, s in merged.items()})


def _field_of(read: str) -> str:
    """The flat field path (see :mod:`hub.sync.fields`) a canonical source path belongs to."""
    parts = read.replace("[", ".").split(".")
    if parts[0] in ("consent", "custom") and len(parts) > 1:
        return f"{parts[0]}.{parts[1]}"
    return parts[0]


def _as_pattern(path: str) -> str:
    # a policy on a group (`consent`, `custom`) covers its members
    return f"{path}.*" if path in ("consent", "custom") else path
