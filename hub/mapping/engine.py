"""Running a compiled mapping: vendor record → canonical model, canonical model → vendor payload.

Everything here works on already-compiled closures (see :mod:`hub.mapping.compiler`): mapping
a record parses nothing and does no I/O. Bad data never raises: a value that cannot be mapped
is left out and reported as a :class:`FieldIssue` naming the field and the reason (never the
value, which may be personal data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.mapping.paths import MISSING, Getter, Setter
from hub.mapping.registry import TransformFunc, TransformValueError
from hub.mapping.schema import python_type_names

__all__ = [
    "CompiledMapping",
    "CompiledRule",
    "CompiledTransform",
    "CompiledValue",
    "FieldIssue",
    "MappingResult",
    "SyncPolicy",
]

M = TypeVar("M", bound=BaseModel)
Predicate = Callable[[Any], bool]


@dataclass(frozen=True)
class FieldIssue:
    """A value that could not be mapped.

    Attributes:
        source: The path read (or the rule's label).
        target: The path it was meant for.
        reason: What is wrong, without the value itself.
    """

    source: str
    target: str
    reason: str

    def __str__(self) -> str:
        """Render as ``source → target: reason``."""
        return f"{self.source} → {self.target}: {self.reason}"


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


@dataclass(frozen=True, slots=True)
class CompiledTransform:
    """A transform with its parameters bound.

    Attributes:
        name: The registered name.
        func: The function.
        params: Keyword arguments from the YAML.
        accepts: Types it takes (empty = any).
        runs_on_none: Whether it is called for a missing value (``default`` is); derived.
    """

    name: str
    func: TransformFunc
    params: Mapping[str, Any]
    accepts: tuple[type, ...]
    runs_on_none: bool = field(init=False)

    def __post_init__(self) -> None:
        # Computed once here: it is read for every value of every record.
        runs = not self.accepts or type(None) in self.accepts
        object.__setattr__(self, "runs_on_none", runs)


@dataclass(frozen=True, slots=True)
class CompiledValue:
    """How to produce one value from a source object.

    Attributes:
        source: Label for messages (the path, ``constant`` or ``template``).
        get: Reads the raw value (``MISSING`` when absent).
        many: Whether ``get`` returns a list of selected values.
        list_in: For a many source into a single target: the transforms take the whole list
            (else the first selected value is used).
        transforms: Applied in order.
        when: Predicate on the source object; the value is skipped when it is false.
        constant: Whether the value is a constant (it does not count as data found).
    """

    source: str
    get: Getter
    many: bool = False
    list_in: bool = False
    transforms: tuple[CompiledTransform, ...] = ()
    when: Predicate | None = None
    constant: bool = False
    none_runs: bool = field(init=False)

    def __post_init__(self) -> None:
        # Whether a missing value still goes through the transforms (``default`` fills it).
        object.__setattr__(self, "none_runs", any(t.runs_on_none for t in self.transforms))

    def produce(self, obj: Any, target: str, issues: list[FieldIssue]) -> Any:
        """Read and transform the value for a single target; ``None`` when there is none."""
        if self.when is not None and not self.when(obj):
            return None
        raw = self.get(obj)
        if self.many and not self.list_in and raw is not MISSING:
            raw = raw[0] if raw else None
        if raw is None or raw is MISSING:
            return self.transform(None, target, issues) if self.none_runs else None
        return self.transform(raw, target, issues) if self.transforms else raw

    def transform(self, value: Any, target: str, issues: list[FieldIssue]) -> Any:
        """Apply the transforms to one value; a failure is reported and gives ``None``."""
        for step in self.transforms:
            if value is None and not step.runs_on_none:
                continue
            accepts = step.accepts
            if accepts and not isinstance(value, accepts):
                reason = (
                    f"transform {step.name!r} takes {python_type_names(accepts)}, "
                    f"got {type(value).__name__}"
                )
                issues.append(FieldIssue(self.source, target, reason))
                return None
            try:
                value = step.func(value, **step.params)
            except TransformValueError as exc:
                issues.append(FieldIssue(self.source, target, f"{step.name}: {exc}"))
                return None
            # A plugin transform must not stop a sync; its message may quote the value, so
            # only the exception type is reported.
            except Exception as exc:  # noqa: BLE001
                reason = f"transform {step.name!r} failed ({type(exc).__name__})"
                issues.append(FieldIssue(self.source, target, reason))
                return None
        return value


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to run: a value source, a target setter and optional item fields.

    An appending rule (``to: x[]``) adds one item per selected value, and one per element when
    a value is a list.

    ``reads`` lists the source paths it reads (selectors removed), for previews; ``simple``
    and ``item_targets`` are derived.
    """

    target: str
    value: CompiledValue
    set: Setter
    appends: bool = False
    fields: tuple[tuple[str, CompiledValue], ...] = ()
    reads: tuple[str, ...] = ()
    simple: bool = field(init=False)
    item_targets: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        # Derived once, since ``run`` is called for every rule of every record: whether the
        # rule is a plain read-transform-write, and the labels of its item fields.
        value = self.value
        simple = not (self.appends or self.fields or value.many) and value.when is None
        object.__setattr__(self, "simple", simple)
        targets = tuple(f"{self.target}.{name}" for name, _ in self.fields)
        object.__setattr__(self, "item_targets", targets)

    def run(self, record: Any, out: dict[str, Any], issues: list[FieldIssue]) -> None:
        """Map ``record`` into ``out``, appending issues for values that cannot be mapped."""
        source = self.value
        if self.simple:
            raw = source.get(record)
            if raw is MISSING or raw is None:
                if not source.none_runs:
                    return
                raw = None
            elif not source.transforms:
                self.set(out, raw)
                return
            found = source.transform(raw, self.target, issues)
            if found is not None:
                self.set(out, found)
            return
        if not self.appends:
            found = source.produce(record, self.target, issues)
            if found is not None:
                self.set(out, self._item(found, issues) if self.fields else found)
            return
        if source.when is not None and not source.when(record):
            return
        raw = source.get(record)
        if raw is MISSING or raw is None:
            return
        for element in raw if source.many else [raw]:
            value = source.transform(element, self.target, issues)
            # A list (from ``split``, or a list field) appends one item per element.
            for one in value if isinstance(value, list) else [value]:
                item = self._item(one, issues) if one is not None and self.fields else one
                if item is not None:
                    self.set(out, item)

    def _item(self, element: Any, issues: list[FieldIssue]) -> dict[str, Any] | None:
        item: dict[str, Any] = {}
        found_data = False
        for (name, sub), target in zip(self.fields, self.item_targets, strict=True):
            value = sub.produce(element, target, issues)
            if value is not None:
                item[name] = value
                found_data = found_data or not sub.constant
        return item if found_data else None


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
        for rule in self.inbound:
            rule.run(record, data, issues)
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
        for rule in self.outbound:
            rule.run(source, payload, issues)
        return MappingResult(None, payload, tuple(issues))
