"""Field-level merge and write planning. Pure: a function of records, state and policies.

Inbound, :func:`merge_inbound` folds one system's view of a person into the golden record under
the per-field policies, recording provenance and every conflict. Outbound, :func:`plan_outbound`
says which golden values the other system lacks. Applying a plan and reading the result back
plans nothing: that is what makes a second sync with no vendor change write nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from hub.dedup.normalise.email import WEAK_MARK, normalise_email
from hub.sync.fields import MULTI_VALUED, FieldMap, is_empty

__all__ = [
    "Conflict",
    "FieldPolicy",
    "MergeResult",
    "PolicySet",
    "Provenance",
    "merge_inbound",
    "plan_outbound",
]

System = Literal["crm", "ats"]
Mode = Literal["owner", "latest", "fill_if_empty", "never", "union", "strictest"]
# For each consent flag, the value that is stricter: an opt-out anywhere is an opt-out.
_STRICT = {"marketing_opt_out": True, "email_opt_out": True, "gdpr_consent": False}


@dataclass(frozen=True)
class FieldPolicy:
    """How one field is reconciled.

    Attributes:
        mode: ``owner`` (the ``owner`` system is the system of record), ``latest`` (the newest
            vendor modification wins), ``fill_if_empty``, ``never`` (not synced), ``union``
            (multi-valued: keep every value), ``strictest`` (consent: the strictest value wins).
        owner: The system of record, for ``owner``.
    """

    mode: Mode = "latest"
    owner: System | None = None


@dataclass(frozen=True)
class PolicySet:
    """Policies by field path; unlisted fields get sensible defaults."""

    fields: Mapping[str, FieldPolicy] = field(default_factory=dict)

    def for_field(self, path: str) -> FieldPolicy:
        """The policy of ``path``: its own, its prefix's (``custom.*``), else the default."""
        if path in self.fields:
            return self.fields[path]
        head = path.split(".", 1)[0]
        if f"{head}.*" in self.fields:
            return self.fields[f"{head}.*"]
        if head == "consent":
            return FieldPolicy("strictest")
        return FieldPolicy("union" if path in MULTI_VALUED else "latest")


@dataclass(frozen=True)
class Provenance:
    """Which system last set a field, through which connection, as of which vendor time."""

    system: System
    connection: str
    at: datetime


@dataclass(frozen=True)
class Conflict:
    """Two systems disagreed on a field; ``kept`` says whose value the golden record keeps."""

    field: str
    kept: System
    rejected: System
    reason: str


@dataclass(frozen=True)
class MergeResult:
    """The golden record after a merge, with what changed and what conflicted."""

    fields: FieldMap
    provenance: dict[str, Provenance]
    changed: tuple[str, ...]
    conflicts: tuple[Conflict, ...]


def merge_inbound(
    *,
    golden: FieldMap,
    provenance: Mapping[str, Provenance],
    incoming: FieldMap,
    source: Provenance,
    policies: PolicySet,
) -> MergeResult:
    """Fold ``incoming`` (one system's view, as of ``source.at``) into ``golden``.

    Empty incoming values never erase golden ones: a system that lacks a field has not asked
    for it to be cleared.
    """
    merged = dict(golden)
    prov = dict(provenance)
    changed: list[str] = []
    conflicts: list[Conflict] = []
    for path, value in incoming.items():
        if is_empty(value):
            continue
        current = merged.get(path)
        decision = _decide(path, current, value, prov.get(path), source, policies.for_field(path))
        if decision.conflict is not None:
            conflicts.append(decision.conflict)
        if decision.value is not _KEEP and decision.value != current:
            merged[path] = decision.value
            prov[path] = source
            changed.append(path)
    return MergeResult(merged, prov, tuple(changed), tuple(conflicts))


def plan_outbound(
    *,
    golden: FieldMap,
    target: FieldMap,
    target_system: System,
    policies: PolicySet,
    writable: Collection[str] | None = None,
) -> FieldMap:
    """The golden values the target system should be sent (nothing when it already agrees).

    Args:
        golden: The golden record's fields.
        target: The target system's current view of the person (mapped to canonical fields).
        target_system: ``crm`` or ``ats``.
        policies: Field policies.
        writable: Fields the target's outbound mapping can write (all when ``None``).
    """
    plan: FieldMap = {}
    for path, value in golden.items():
        if writable is not None and path not in writable:
            continue
        policy = policies.for_field(path)
        theirs = target.get(path)
        if policy.mode == "never" or value == theirs:
            continue
        if policy.mode == "owner" and policy.owner == target_system and not is_empty(theirs):
            continue  # the system of record keeps its own value
        if policy.mode == "fill_if_empty" and not is_empty(theirs):
            continue
        if (
            path in MULTI_VALUED
            and policy.mode in ("union", "latest")
            and isinstance(theirs, tuple)
        ):
            if {_identity(v) for v in value} <= {_identity(v) for v in theirs}:
                continue
            value = _union(value, theirs)
        plan[path] = value
    return plan


_KEEP: Any = object()


@dataclass(frozen=True)
class _Decision:
    value: Any
    conflict: Conflict | None = None


def _decide(
    path: str,
    current: Any,
    value: Any,
    prov: Provenance | None,
    source: Provenance,
    policy: FieldPolicy,
) -> _Decision:
    if policy.mode == "never":
        return _Decision(_KEEP)
    if is_empty(current) or value == current:
        return _Decision(value)
    other: System = (
        prov.system if prov is not None else ("ats" if source.system == "crm" else "crm")
    )
    if policy.mode == "union" or (policy.mode == "latest" and path in MULTI_VALUED):
        # Lists are unioned (a value known to either system is kept); under `latest` the
        # newer system's values come first, so the primary email follows the latest change.
        newer = prov is None or source.at >= prov.at
        return _Decision(_union(value, current) if newer else _union(current, value))
    if policy.mode == "strictest":
        strict = _STRICT.get(path.split(".", 1)[-1])
        return _Decision(strict if strict in (current, value) else value)
    if policy.mode == "fill_if_empty":
        return _Decision(_KEEP, _lost(path, other, source.system, "fill_if_empty"))
    if policy.mode == "owner":
        if policy.owner == source.system:
            if prov is not None and prov.system == source.system and source.at <= prov.at:
                return _Decision(_KEEP)  # an older record of the owner (a duplicate) read late
            return _Decision(value, _lost(path, source.system, other, "owner"))
        return _Decision(_KEEP, _lost(path, other, source.system, "owner"))
    # latest: the newer vendor modification wins; on a tie the golden value stays
    if prov is None or source.at > prov.at:
        if prov is not None and prov.system == source.system:
            return _Decision(value)  # the same system changed its own value: not a conflict
        return _Decision(value, _lost(path, source.system, other, "latest"))
    return _Decision(_KEEP, _lost(path, other, source.system, "latest"))


def _lost(path: str, kept: System, rejected: System, reason: str) -> Conflict | None:
    return None if kept == rejected else Conflict(path, kept, rejected, reason)


def _identity(value: Any) -> Any:
    """What makes two list items the same: an email's address, a phone's number, a link's URL."""
    if isinstance(value, tuple) and value and all(isinstance(p, tuple) for p in value):
        pairs = dict(value)
        if "address" in pairs:
            # the same inbox spelt differently (Gmail dots, +tags, case) is one address
            folded = normalise_email(str(pairs["address"]))
            return ("address", folded[0].removeprefix(WEAK_MARK) if folded else "")
        for key in ("number", "url"):
            if key in pairs:
                return (key, str(pairs[key]).lower())
    return value


def _union(first: Any, second: Any) -> tuple[Any, ...]:
    """Items of ``first`` then those of ``second`` not already present (by identity)."""
    merged: dict[Any, Any] = {}
    for item in (*first, *second):
        merged.setdefault(_identity(item), item)
    return tuple(merged.values())
