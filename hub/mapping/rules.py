"""Compiled rules, and the per-record closures each one is turned into once.

A rule is kept as data (what it reads, its transforms, where it writes) for previews and
tests, and is also turned, when it is built, into one closure specialised for its shape: a
plain read-transform-write, a single value with item fields, or an appending rule. Mapping a
record then only calls those closures; nothing is looked up or decided again per record.

Bad data never raises: a value that cannot be mapped is left out and reported as a
:class:`FieldIssue` naming the field and the reason (never the value, which may be personal
data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from hub.mapping.paths import MISSING, Getter, Setter, key_getter
from hub.mapping.registry import TransformFunc, TransformValueError
from hub.mapping.schema import python_type_names

__all__ = [
    "CompiledRule",
    "CompiledTransform",
    "CompiledValue",
    "FieldIssue",
    "Predicate",
    "RuleRunner",
    "rule_runners",
]

Predicate = Callable[[Any], bool]
# (source object, issues) -> value or None; the target of its messages is bound in.
_Producer = Callable[[Any, list["FieldIssue"]], Any]
# (record, output, issues): maps one rule of one record.
RuleRunner = Callable[[Any, dict[str, Any], list["FieldIssue"]], None]


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
        keys: The plain keys ``get`` follows, when its path has no selectors (rules reading
            keys of one object are then run together).
        none_runs: Whether a missing value still goes through the transforms (``default``
            fills it); derived.
    """

    source: str
    get: Getter
    many: bool = False
    list_in: bool = False
    transforms: tuple[CompiledTransform, ...] = ()
    when: Predicate | None = None
    constant: bool = False
    keys: tuple[str, ...] | None = None
    none_runs: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "none_runs", any(t.runs_on_none for t in self.transforms))


def _chain(value: CompiledValue, target: str) -> _Producer:
    """The transforms of ``value`` as one function; a failure is reported and gives ``None``."""
    source = value.source
    steps = tuple(
        (
            t.name,
            partial(t.func, **t.params) if t.params else t.func,
            t.accepts,
            t.runs_on_none,
            f"transform {t.name!r} takes {python_type_names(t.accepts)}, got ",
        )
        for t in value.transforms
    )

    if len(steps) == 1:
        ((name, call, accepts, runs_on_none, mismatch),) = steps

        # Unrolled: most rules have a single transform.
        def transform_one(raw: Any, issues: list[FieldIssue]) -> Any:
            if raw is None and not runs_on_none:
                return None
            if accepts and not isinstance(raw, accepts):
                issues.append(FieldIssue(source, target, mismatch + type(raw).__name__))
                return None
            try:
                return call(raw)
            except TransformValueError as exc:
                issues.append(FieldIssue(source, target, f"{name}: {exc}"))
            # A plugin transform must not stop a sync; its message may quote the value, so
            # only the exception type is reported.
            except Exception as exc:  # noqa: BLE001
                reason = f"transform {name!r} failed ({type(exc).__name__})"
                issues.append(FieldIssue(source, target, reason))
            return None

        return transform_one

    def transform(raw: Any, issues: list[FieldIssue]) -> Any:
        for name, call, accepts, runs_on_none, mismatch in steps:
            if raw is None and not runs_on_none:
                continue
            if accepts and not isinstance(raw, accepts):
                issues.append(FieldIssue(source, target, mismatch + type(raw).__name__))
                return None
            try:
                raw = call(raw)
            except TransformValueError as exc:
                issues.append(FieldIssue(source, target, f"{name}: {exc}"))
                return None
            except Exception as exc:  # noqa: BLE001 -- as above
                reason = f"transform {name!r} failed ({type(exc).__name__})"
                issues.append(FieldIssue(source, target, reason))
                return None
        return raw

    return transform


def _producer(value: CompiledValue, target: str) -> _Producer:
    """Read and transform the value for a single target; ``None`` when there is none."""
    get, when, none_runs = value.get, value.when, value.none_runs
    first = value.many and not value.list_in
    transform = _chain(value, target)
    if value.transforms and not first and when is None:

        def produce_plain(obj: Any, issues: list[FieldIssue]) -> Any:
            raw = get(obj)
            if raw is None or raw is MISSING:
                return transform(None, issues) if none_runs else None
            return transform(raw, issues)

        return produce_plain
    if not value.transforms and not first and when is None:

        def produce_raw(obj: Any, _issues: list[FieldIssue]) -> Any:
            raw = get(obj)
            return None if raw is MISSING else raw

        return produce_raw
    has_transforms = bool(value.transforms)

    def produce(obj: Any, issues: list[FieldIssue]) -> Any:
        if when is not None and not when(obj):
            return None
        raw = get(obj)
        if first and raw is not MISSING:
            raw = raw[0] if raw else None
        if raw is None or raw is MISSING:
            return transform(None, issues) if none_runs else None
        return transform(raw, issues) if has_transforms else raw

    return produce


def _absent(_key: str) -> None:
    """``dict.get`` of something that is not a dict: every key is missing."""
    return None


def _item_maker(rule: CompiledRule) -> Callable[[Any, list[FieldIssue]], dict[str, Any] | None]:
    """Build one item of ``fields:`` from a source element; ``None`` when it holds no data."""
    subs = []
    for name, sub in rule.fields:
        target = f"{rule.target}.{name}"
        # A field read from one key of the element (the usual ``{from: value}``) is looked up
        # in place; any other goes through its producer.
        direct = sub.keys is not None and len(sub.keys) == 1 and sub.when is None
        key = sub.keys[0] if direct and sub.keys else None
        transform = _chain(sub, target) if sub.transforms else None
        subs.append((name, key, transform, sub.none_runs, sub.constant, _producer(sub, target)))
    members = tuple(subs)

    def item(element: Any, issues: list[FieldIssue]) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        found_data = False
        get = element.get if isinstance(element, dict) else _absent
        for name, key, transform, none_runs, constant, produce in members:
            if key is None:
                value = produce(element, issues)
            else:
                value = get(key)
                if value is None:
                    if none_runs and transform is not None:
                        value = transform(None, issues)
                elif transform is not None:
                    value = transform(value, issues)
            if value is not None:
                out[name] = value
                if not constant:
                    found_data = True
        return out if found_data else None

    return item


def _simple_runner(rule: CompiledRule) -> RuleRunner:
    """A plain read-transform-write rule."""
    source, put = rule.value, rule.set
    get, none_runs = source.get, source.none_runs
    if not source.transforms:

        def copy(record: Any, out: dict[str, Any], _issues: list[FieldIssue]) -> None:
            raw = get(record)
            if raw is not MISSING and raw is not None:
                put(out, raw)

        return copy
    transform = _chain(source, rule.target)

    def run(record: Any, out: dict[str, Any], issues: list[FieldIssue]) -> None:
        raw = get(record)
        if raw is MISSING or raw is None:
            if not none_runs:
                return
            raw = None
        found = transform(raw, issues)
        if found is not None:
            put(out, found)

    return run


def _single_runner(rule: CompiledRule) -> RuleRunner:
    """A rule writing one value, possibly an item built from ``fields:``."""
    produce, put = _producer(rule.value, rule.target), rule.set
    item = _item_maker(rule) if rule.fields else None

    def run(record: Any, out: dict[str, Any], issues: list[FieldIssue]) -> None:
        found = produce(record, issues)
        if found is not None:
            put(out, item(found, issues) if item is not None else found)

    return run


def _append_runner(rule: CompiledRule) -> RuleRunner:
    """An appending rule (``to: x[]``): one item per selected value, and per list element."""
    source, put = rule.value, rule.set
    get, when, many = source.get, source.when, source.many
    transform, has_transforms = _chain(source, rule.target), bool(source.transforms)
    item = _item_maker(rule) if rule.fields else None

    def run(record: Any, out: dict[str, Any], issues: list[FieldIssue]) -> None:
        if when is not None and not when(record):
            return
        raw = get(record)
        if raw is MISSING or raw is None:
            return
        for element in raw if many else (raw,):
            value = transform(element, issues) if has_transforms else element
            # A list (from ``split``, or a list field) appends one item per element.
            for one in value if isinstance(value, list) else (value,):
                if one is None:
                    continue
                made = item(one, issues) if item is not None else one
                if made is not None:
                    put(out, made)

    return run


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to run: a value source, a target setter and optional item fields.

    An appending rule (``to: x[]``) adds one item per selected value, and one per element when
    a value is a list.

    ``reads`` lists the source paths it reads (selectors removed), for previews; ``run`` is
    derived: the closure that maps one record.
    """

    target: str
    value: CompiledValue
    set: Setter
    appends: bool = False
    fields: tuple[tuple[str, CompiledValue], ...] = ()
    reads: tuple[str, ...] = ()
    run: RuleRunner = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once, since it runs for every rule of every record.
        value = self.value
        if self.appends:
            runner = _append_runner(self)
        elif self.fields or value.many or value.when is not None:
            runner = _single_runner(self)
        else:
            runner = _simple_runner(self)
        object.__setattr__(self, "run", runner)


def _simple(rule: CompiledRule) -> bool:
    """Whether a rule is a plain read-transform-write of a key path."""
    value = rule.value
    plain = not (rule.appends or rule.fields or value.many) and value.when is None
    return plain and bool(value.keys)


def _sibling_runner(parent: tuple[str, ...], rules: list[CompiledRule]) -> RuleRunner:
    """Plain rules reading keys of the same object: the object is found once for all of them."""
    members = tuple(
        (
            (rule.value.keys or ("",))[-1],
            _chain(rule.value, rule.target) if rule.value.transforms else None,
            rule.value.none_runs,
            rule.set,
        )
        for rule in rules
    )
    find = key_getter(parent) if parent else None

    def run(record: Any, out: dict[str, Any], issues: list[FieldIssue]) -> None:
        found = find(record) if find is not None else record
        get = found.get if isinstance(found, dict) else _absent
        for key, transform, none_runs, put in members:
            raw = get(key)
            if raw is None:
                if not none_runs or transform is None:
                    continue
                value = transform(None, issues)
            elif transform is None:
                put(out, raw)
                continue
            else:
                value = transform(raw, issues)
            if value is not None:
                put(out, value)

    return run


def rule_runners(rules: Sequence[CompiledRule]) -> tuple[RuleRunner, ...]:
    """The closures that map a record by ``rules``, in order.

    Consecutive plain rules reading keys of the same object (``properties.firstname``,
    ``properties.lastname``…) share one closure, which looks the object up once.
    """
    runners: list[RuleRunner] = []
    group: list[CompiledRule] = []
    parent: tuple[str, ...] = ()
    for rule in [*rules, None]:
        keys = rule.value.keys if rule is not None and _simple(rule) else None
        if group and (keys is None or keys[:-1] != parent):
            runners.append(_sibling_runner(parent, group) if len(group) > 1 else group[0].run)
            group = []
        if keys is not None and rule is not None:
            group.append(rule)
            parent = keys[:-1]
        elif rule is not None:
            runners.append(rule.run)
    return tuple(runners)
