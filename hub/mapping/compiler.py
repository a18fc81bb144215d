"""Compiling a mapping spec once into closures, checking it against both schemas on the way.

The compiler is pure: it gets the parsed spec, the transform registry and the vendor record's
JSON schema, and returns the compiled mapping with every issue found (all of them, not the
first). The loader turns issues into located problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import BaseModel

from hub.mapping.binding import Issue, Loc, bind_condition, bind_transform
from hub.mapping.engine import CompiledMapping, CompiledRule, CompiledValue, SyncPolicy
from hub.mapping.paths import (
    MISSING,
    Getter,
    PathSyntaxError,
    compile_getter,
    compile_setter,
    parse_path,
)
from hub.mapping.registry import TransformRegistry
from hub.mapping.schema import ANY, JSONSchema, SchemaView, json_types_of_python
from hub.mapping.spec import FieldRule, MappingSpec, Rule, SyncPolicyName
from hub.models import Application, Person

__all__ = ["CANONICAL_MODELS", "Issue", "compile_mapping"]

CANONICAL_MODELS: dict[str, type[BaseModel]] = {"person": Person, "application": Application}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _names(types: frozenset[str]) -> str:
    return "/".join(sorted(types - {"null"})) or "null"


def _compatible(have: frozenset[str], want: frozenset[str]) -> bool:
    """Whether a value of JSON types ``have`` can go where ``want`` is expected."""
    if have == ANY or want == ANY:
        return True
    return bool((have - {"null"}) & want) or have <= {"null"}


def _strip_selectors(text: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", text).strip(".")


def _plain_keys(text: str) -> tuple[str, ...] | None:
    """The keys of a path made of plain keys only (``properties.email``), else ``None``."""
    try:
        path = parse_path(text)
    except PathSyntaxError:
        return None
    if path.segments and all(s.kind == "key" for s in path.segments):
        return tuple(s.name for s in path.segments)
    return None


def _reads(rule: Rule) -> tuple[str, ...]:
    """The source paths a rule reads, without selectors (for "what is left unmapped")."""
    own = [rule.from_] if rule.from_ else _PLACEHOLDER.findall(rule.template or "")
    reads = [_strip_selectors(p) for p in own]
    base = _strip_selectors(rule.from_ or "")
    for sub in (rule.fields or {}).values():
        subs = [sub.from_] if sub.from_ else _PLACEHOLDER.findall(sub.template or "")
        reads += [".".join(filter(None, (base, _strip_selectors(p)))) for p in subs]
    return tuple(dict.fromkeys(r for r in reads if r))


@dataclass
class _Side:
    """What a value is read from: a schema (``None`` = unchecked) and where in it."""

    view: SchemaView | None
    start: JSONSchema | None = None


@dataclass
class _Compiler:
    spec: MappingSpec
    registry: TransformRegistry
    vendor: SchemaView | None
    canonical: SchemaView
    issues: list[Issue] = field(default_factory=list)

    def issue(self, loc: Loc, message: str, *, key: bool = False) -> None:
        self.issues.append(Issue(loc, message, key))

    def resolve(self, side: _Side, text: str, loc: Loc) -> tuple[Any, frozenset[str], bool]:
        """Parse a path and check it on ``side``: (getter or None, leaf types, many)."""
        try:
            path = parse_path(text)
            getter = compile_getter(path)
        except PathSyntaxError as exc:
            self.issue(loc, str(exc))
            return None, ANY, False
        if side.view is None:
            return getter, ANY, path.many
        found = side.view.resolve(path, start=side.start)
        if isinstance(found, str):
            self.issue(loc, found)
            return None, ANY, path.many
        return getter, found.types, path.many

    def template_getter(self, side: _Side, text: str, loc: Loc) -> Getter:
        parts = _PLACEHOLDER.split(text)
        literals = parts[0::2]
        getters = [self.resolve(side, p, loc)[0] for p in parts[1::2]]

        def render(obj: Any) -> Any:
            out, found = [literals[0]], False
            for getter, literal in zip(getters, literals[1:], strict=True):
                value = getter(obj) if getter is not None else MISSING
                if value not in (MISSING, None, "", []):
                    found = True
                    out.append(str(value))
                out.append(literal)
            return "".join(out).strip() if found else MISSING

        return render

    def value_source(
        self, rule: FieldRule, side: _Side, loc: Loc, *, element: bool
    ) -> tuple[Getter | None, frozenset[str], bool, str]:
        """(getter, types, many, label) of a rule's single source."""
        given = rule.model_fields_set & {"from_", "value", "template"}
        if len(given) > 1:
            self.issue(loc, "give only one of from, value, template")
            return None, ANY, False, "?"
        if "value" in given:
            constant = rule.value
            return (lambda _obj: constant), json_types_of_python(type(constant)), False, "constant"
        if rule.template is not None:
            getter = self.template_getter(side, rule.template, (*loc, "template"))
            return getter, frozenset({"string"}), False, "template"
        if rule.from_ is None and not element:
            self.issue(loc, "a rule needs a source: from, value or template", key=True)
            return None, ANY, False, "?"
        text = rule.from_ if rule.from_ is not None else "."
        getter, types, many = self.resolve(side, text, (*loc, "from"))
        return getter, types, many, text

    def value(
        self, rule: FieldRule, side: _Side, loc: Loc, *, element: bool, appends: bool
    ) -> tuple[CompiledValue | None, frozenset[str]]:
        """Compile a value source with its condition and transforms; (value, output types)."""
        getter, types, many, label = self.value_source(rule, side, loc, element=element)
        steps, list_in = [], False
        for i, item in enumerate(rule.transforms):
            tloc = (*loc, "transforms", i)
            spec, bound, issues = bind_transform(
                item, registry=self.registry, tables=self.spec.tables, loc=tloc
            )
            self.issues.extend(issues)
            if spec is None:
                types = ANY
                continue
            if i == 0 and many and not appends and list in spec.accepts:
                list_in, types = True, frozenset({"array"})
            accepted = frozenset().union(*(json_types_of_python(t) for t in spec.accepts))
            if not _compatible(types, accepted):
                self.issue(
                    tloc,
                    f"type mismatch: transform {spec.name!r} takes {_names(accepted)} "
                    f"but gets {_names(types)} from {label!r}",
                )
            types = json_types_of_python(spec.returns) if spec.returns else ANY
            if bound is not None:
                steps.append(bound)
        when = None
        if rule.when is not None:
            self.resolve(side, rule.when.path, (*loc, "when", "path"))
            when, issues = bind_condition(rule.when, loc=(*loc, "when"))
            self.issues.extend(issues)
        if getter is None:
            return None, types
        constant = "value" in rule.model_fields_set
        read = rule.template is None and not constant
        keys = _plain_keys(label) if read else None
        compiled = CompiledValue(label, getter, many, list_in, tuple(steps), when, constant, keys)
        return compiled, types

    def check_types(self, have: frozenset[str], want: frozenset[str], loc: Loc, what: str) -> None:
        if not _compatible(have, want):
            self.issue(
                loc,
                f"type mismatch: {what} needs {_names(want)} but the value is {_names(have)} "
                "(add a transform such as to_bool, to_int, to_string, parse_datetime)",
            )

    def rule(self, direction: str, index: int, rule: Rule) -> CompiledRule | None:
        loc: Loc = (direction, index)
        inbound = direction == "inbound"
        source = _Side(self.vendor if inbound else self.canonical)
        target_view = self.canonical if inbound else self.vendor
        try:
            path = parse_path(rule.to)
            setter = compile_setter(path)
        except PathSyntaxError as exc:
            self.issue((*loc, "to"), str(exc))
            return None
        want, item_schema = ANY, None
        if target_view is not None:
            found = target_view.resolve(path)
            if isinstance(found, str):
                self.issue((*loc, "to"), found)
            else:
                want, item_schema = found.types, found.schema
        value, have = self.value(rule, source, loc, element=False, appends=path.appends)
        if path.appends and "array" in have:
            have = ANY  # a list is spread into items; its item type is not tracked
        fields: list[tuple[str, CompiledValue]] = []
        if rule.fields is not None:
            fields = self.item_fields(rule, source, loc, target_view, item_schema)
            have = frozenset({"object"})
        last = (*loc, "transforms", len(rule.transforms) - 1) if rule.transforms else loc
        self.check_types(have, want, last, f"{rule.to!r}")
        if value is None:
            return None
        reads = _reads(rule)
        return CompiledRule(rule.to, value, setter, path.appends, tuple(fields), reads)

    def item_fields(
        self,
        rule: Rule,
        source: _Side,
        loc: Loc,
        target_view: SchemaView | None,
        item_schema: JSONSchema | None,
    ) -> list[tuple[str, CompiledValue]]:
        """Compile ``fields:``: each item field from a path relative to the source element."""
        element = _Side(source.view, self.element_schema(source, rule))
        compiled = []
        for name, sub in (rule.fields or {}).items():
            floc = (*loc, "fields", name)
            want = ANY
            if target_view is not None and item_schema is not None:
                found = target_view.resolve(parse_path(name), start=item_schema)
                if isinstance(found, str):
                    self.issue(floc, found, key=True)
                else:
                    want = found.types
            value, have = self.value(sub, element, floc, element=True, appends=False)
            self.check_types(have, want, floc, f"{rule.to}.{name}")
            if value is not None:
                compiled.append((name, value))
        return compiled

    def element_schema(self, source: _Side, rule: Rule) -> JSONSchema | None:
        if source.view is None:
            return None
        if rule.from_ is None:
            return {}
        try:
            found = source.view.resolve(parse_path(rule.from_))
        except PathSyntaxError:
            return {}
        return {} if isinstance(found, str) else found.schema

    def policies(self) -> dict[str, SyncPolicy]:
        names = get_args(SyncPolicyName)
        out: dict[str, SyncPolicy] = {}
        for name, raw in self.spec.sync.items():
            if self.resolve(_Side(self.canonical), name, ("sync", name))[0] is None:
                self.issues[-1] = Issue(("sync", name), self.issues[-1].message, key=True)
            if raw in names:
                out[name] = SyncPolicy(raw)
            elif isinstance(raw, dict) and set(raw) == {"owner"} and raw["owner"] in ("crm", "ats"):
                out[name] = SyncPolicy("owner", raw["owner"])
            else:
                allowed = ", ".join(names)
                self.issue(("sync", name), f"sync policy must be {allowed} or {{owner: crm|ats}}")
        return out

    def duplicates(self, direction: str, rules: Sequence[tuple[int, Rule]]) -> None:
        """Two rules writing the same single-valued target clash, unless each has a ``when``."""
        seen: dict[str, tuple[int, bool]] = {}
        for i, rule in rules:
            if rule.to.endswith("[]"):
                continue
            guarded = rule.when is not None
            for other, (j, other_guarded) in seen.items():
                clash = other == rule.to or rule.to.startswith(other + ".")
                clash = clash or other.startswith(rule.to + ".")
                if clash and not (guarded and other_guarded):
                    msg = f"duplicate target {rule.to!r}: {direction}[{j}] writes {other!r}"
                    self.issue((direction, i, "to"), msg)
            seen.setdefault(rule.to, (i, guarded))


def compile_mapping(
    spec: MappingSpec,
    *,
    registry: TransformRegistry,
    vendor_schema: JSONSchema | None,
    file: str = "",
    positions: Mapping[str, Sequence[int]] | None = None,
) -> tuple[CompiledMapping[Any] | None, list[Issue]]:
    """Check and compile a mapping.

    Args:
        spec: The parsed mapping file.
        registry: Every transform available (built-ins and plugins').
        vendor_schema: JSON schema of one vendor record; ``None`` skips vendor-path checks.
        file: The file name, kept on the result for messages.
        positions: Per direction, the index in the file of each rule of ``spec`` (when the
            loader left out rules that failed validation), so issues point at the right rule.

    Returns:
        The compiled mapping (``None`` when there were issues) and every issue found.
    """
    model = CANONICAL_MODELS[spec.canonical]
    vendor = SchemaView(vendor_schema) if vendor_schema is not None else None
    compiler = _Compiler(spec, registry, vendor, SchemaView(model.model_json_schema()))
    rules: dict[str, list[CompiledRule]] = {"inbound": [], "outbound": []}
    for direction, specs in (("inbound", spec.inbound), ("outbound", spec.outbound)):
        where = (positions or {}).get(direction) or range(len(specs))
        numbered = list(zip(where, specs, strict=True))
        compiler.duplicates(direction, numbered)
        for i, rule in numbered:
            compiled = compiler.rule(direction, i, rule)
            if compiled is not None:
                rules[direction].append(compiled)
    policies = compiler.policies()
    if compiler.issues:
        return None, compiler.issues
    name = f"{spec.connector}.{spec.object_type}"
    mapping: CompiledMapping[Any] = CompiledMapping(
        name, file, model, tuple(rules["inbound"]), tuple(rules["outbound"]), policies
    )
    return mapping, []
