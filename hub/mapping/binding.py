"""Binding the pieces of a rule at load time: transforms with their parameters, and conditions.

Every function here returns the compiled piece plus the issues found, so that the compiler can
report all problems of a file at once.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.mapping.engine import CompiledTransform, Predicate
from hub.mapping.paths import MISSING, PathSyntaxError, compile_getter, parse_path
from hub.mapping.registry import TransformRegistry, TransformSpec
from hub.mapping.spec import Condition, TableSpec

__all__ = ["Issue", "bind_condition", "bind_transform"]

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """A problem in a mapping file, located by its key path (the loader adds line and column).

    Attributes:
        loc: Key path in the document (``("inbound", 2, "transforms", 0)``).
        message: What is wrong.
        key: Point at the key rather than its value.
    """

    loc: Loc
    message: str
    key: bool = False


def _parameters(func: Any) -> tuple[list[str], list[str], bool]:
    """(keyword names, required keyword names, takes **kwargs) of a transform's parameters."""
    params = list(inspect.signature(func).parameters.values())[1:]
    names = [p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    required = [p.name for p in params if p.default is p.empty and p.name in names]
    return names, required, any(p.kind is p.VAR_KEYWORD for p in params)


def _split_item(item: Any) -> tuple[str, Any] | None:
    """``lower`` → (lower, None); ``{join: {sep: x}}`` → (join, {sep: x}); else None."""
    if isinstance(item, str):
        return item, None
    if isinstance(item, dict) and len(item) == 1:
        ((name, params),) = item.items()
        return str(name), params
    return None


def _table_params(
    params: dict[str, Any], tables: Mapping[str, TableSpec], loc: Loc
) -> tuple[dict[str, Any], list[Issue]]:
    """Resolve ``map``'s parameters: a named table, or inline ``values`` with a ``default``."""
    if "table" in params:
        name = params["table"]
        table = tables.get(str(name))
        if table is None:
            known = ", ".join(sorted(tables)) or "none defined"
            return {}, [Issue(loc, f"unknown value table {name!r} (tables: {known})")]
        return {"values": table.values, "default": table.default}, []
    if "values" in params and "default" not in params:
        return {}, [Issue(loc, "value table has no default: add 'default:' for unlisted values")]
    return params, []


def bind_transform(
    item: Any, *, registry: TransformRegistry, tables: Mapping[str, TableSpec], loc: Loc
) -> tuple[TransformSpec | None, CompiledTransform | None, list[Issue]]:
    """Look up one transform item and bind its parameters.

    Returns:
        The registered spec and the bound transform (both ``None`` when it cannot be bound),
        and the issues found.
    """
    split = _split_item(item)
    if split is None:
        return None, None, [Issue(loc, "a transform is a name or a one-key {name: params}")]
    name, raw = split
    spec = registry.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, registry.names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return None, None, [Issue(loc, f"unknown transform {name!r}{hint}")]
    names, required, free = _parameters(spec.func)
    if name == "map" and not isinstance(raw, dict):
        raw = {"table": raw}
    if raw is None:
        params: dict[str, Any] = {}
    elif isinstance(raw, dict):
        params = {str(k): v for k, v in raw.items()}
    elif names:
        params = {names[0]: raw}  # one-parameter shorthand: {phone_e164: GB}
    else:
        return spec, None, [Issue(loc, f"transform {name!r} takes no parameters")]
    if name == "map":
        params, issues = _table_params(params, tables, loc)
        if issues:
            return spec, None, issues
    unknown = [p for p in params if p not in names]
    if unknown and not free:
        allowed = ", ".join(names) or "none"
        msg = f"transform {name!r} has no parameter {unknown[0]!r} (parameters: {allowed})"
        return spec, None, [Issue(loc, msg)]
    missing = [p for p in required if p not in params]
    if missing:
        return spec, None, [Issue(loc, f"transform {name!r} needs parameter {missing[0]!r}")]
    return spec, CompiledTransform(name, spec.func, params, spec.accepts), []


def bind_condition(cond: Condition, *, loc: Loc) -> tuple[Predicate | None, list[Issue]]:
    """Compile a ``when:`` condition into a predicate on the rule's source object."""
    tests = [k for k in ("equals", "not_equals", "in_", "present") if k in cond.model_fields_set]
    if len(tests) != 1:
        return None, [Issue(loc, "give exactly one of equals, not_equals, in, present")]
    try:
        get = compile_getter(parse_path(cond.path))
    except PathSyntaxError as exc:
        return None, [Issue((*loc, "path"), str(exc))]
    test = tests[0]
    if test == "present":
        wanted = bool(cond.present)
        return (lambda obj: (get(obj) not in (MISSING, None, "", [])) is wanted), []
    if test == "in_":
        accepted = list(cond.in_ or [])
        return (lambda obj: get(obj) in accepted), []
    if test == "equals":
        target = cond.equals
        return (lambda obj: get(obj) == target), []
    other = cond.not_equals
    return (lambda obj: get(obj) != other), []
