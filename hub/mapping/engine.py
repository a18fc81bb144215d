"""Running a compiled mapping: vendor record → canonical model, canonical model → vendor payload.

Everything here works on already-compiled closures (see :mod:`hub.mapping.compiler` and
:mod:`hub.mapping.rules`): mapping a record parses nothing and does no I/O. Bad data never
raises: a value that cannot be mapped is left out and reported as a :class:`FieldIssue` naming
the field and the reason (never the value, which may be personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.mapping.rules import (
    CompiledRule,
    CompiledTransform,
    CompiledValue,
    FieldIssue,
    Predicate,
    RuleRunner,
    rule_runners,
)

__all__ = [
    "CompiledMapping",
    "CompiledRule",
    "CompiledTransform",
    "CompiledValue",
    "FieldIssue",
    "MappingResult",
    "Predicate",
    "SyncPolicy",
]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class SyncPolicy:
    """How the sync engine resolves a conflict on one canonical field.

    Attributes:
        kind: ``owner`` (the ``owner`` system wins), ``latest`` (the latest change wins),
            ``fill_if_empty`` (only fill an empty value) or ``never`` (do not sync).
        owner: For ``owner``: ``crm`` or ``ats``.
    """

    kind: Literal["owner", "latest", "fill_if_empty", "never"]
    owner: Literal["crm", "ats"] | None = None


@dataclass(frozen=True)
class MappingResult(Generic[M]):
    """The outcome of mapping one record.

    Attributes:
        value: The canonical model (inbound) — ``None`` only when required fields are missing.
        payload: The vendor payload (outbound) or the raw canonical data (inbound).
        issues: Every value that could not be mapped.
    """

    value: M | None
    payload: dict[str, Any]
    issues: tuple[FieldIssue, ...] = ()


@cache
def _field_adapters(model: type[BaseModel]) -> dict[str, TypeAdapter[Any]]:
    fields = model.model_fields.items()
    return {name: TypeAdapter(info.annotation) for name, info in fields if info.annotation}


def _completed(model: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with each known field re-validated and dumped whole (defaults included)."""
    adapters = _field_adapters(model)
    out = dict(data)
    for key, value in data.items():
        adapter = adapters.get(key)
        if adapter is None:
            continue
        try:
            out[key] = adapter.dump_python(adapter.validate_python(value), mode="json")
        except ValidationError:
            continue  # left as given: the rules report what they cannot map
    return out


def _drop(data: dict[str, Any], loc: tuple[int | str, ...]) -> bool:
    """Remove the deepest part of ``data`` that ``loc`` reaches; False when nothing matched.

    Union errors carry member names after the real path (``custom.x.str``), so the walk stops
    where the data stops and removes what it reached.
    """
    parent: Any = None
    key: Any = None
    node: Any = data
    for step in loc:
        in_dict = isinstance(node, dict) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if not (in_dict or in_list):
            break
        parent, key = node, step
        node = node[step]
    if parent is None:
        return False
    del parent[key]
    return True


@dataclass(frozen=True)
class CompiledMapping(Generic[M]):
    """One mapping file, compiled: run it on any number of records.

    Attributes:
        name: ``connector.object_type``.
        file: The file it was loaded from, for messages.
        model: The canonical model class.
        inbound: Rules vendor → canonical.
        outbound: Rules canonical → vendor.
        policies: Canonical field path → sync policy.
    """

    name: str
    file: str
    model: type[M]
    inbound: tuple[CompiledRule, ...]
    outbound: tuple[CompiledRule, ...]
    policies: Mapping[str, SyncPolicy] = field(default_factory=dict)
    _inbound_runs: tuple[RuleRunner, ...] = field(init=False, repr=False, compare=False)
    _outbound_runs: tuple[RuleRunner, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The rules' closures, gathered once: a record only calls them in turn.
        object.__setattr__(self, "_inbound_runs", rule_runners(self.inbound))
        object.__setattr__(self, "_outbound_runs", rule_runners(self.outbound))

    def policy_for(self, canonical_path: str) -> SyncPolicy:
        """The policy of a field: its own, else its closest parent's, else ``latest``."""
        path = canonical_path
        while path:
            if path in self.policies:
                return self.policies[path]
            path = path.rpartition(".")[0]
        return SyncPolicy("latest")

    def to_canonical(self, record: Mapping[str, Any]) -> MappingResult[M]:
        """Map one vendor record to the canonical model. Never raises for bad data."""
        issues: list[FieldIssue] = []
        data: dict[str, Any] = {}
        for run in self._inbound_runs:
            run(record, data, issues)
        return MappingResult(self._validate(data, issues), data, tuple(issues))

    def _validate(self, data: dict[str, Any], issues: list[FieldIssue]) -> M | None:
        # Each round drops what pydantic rejected and tries again, so one bad value costs only
        # itself; the bound stops a pathological loop.
        for _ in range(16):
            try:
                return self.model.model_validate(data)
            except ValidationError as exc:
                dropped = False
                # Reversed, so removing a list item does not shift the ones still to remove.
                for err in reversed(exc.errors(include_input=False, include_url=False)):
                    loc = tuple(err["loc"])
                    target = ".".join(str(p) for p in loc)
                    issues.append(FieldIssue("canonical", target, err["msg"]))
                    dropped = _drop(data, loc) or dropped
                if not dropped:
                    return None
        return None

    def to_vendor(self, canonical: BaseModel | Mapping[str, Any]) -> MappingResult[M]:
        """Map a canonical model, or a partial JSON-mode dump of one, to the vendor payload.

        A partial dump (only the fields to write) gives the same payload for those fields as
        the full model: defaults dropped inside the given fields (an email's ``primary:
        false``, a phone's ``type: other``) are restored, so filters such as
        ``emails[primary=false]`` still select them. Fields not given are not written.
        """
        source = (
            canonical.model_dump(mode="json")
            if isinstance(canonical, BaseModel)
            else _completed(self.model, canonical)
        )
        issues: list[FieldIssue] = []
        payload: dict[str, Any] = {}
        for run in self._outbound_runs:
            run(source, payload, issues)
        return MappingResult(None, payload, tuple(issues))
