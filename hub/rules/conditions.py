"""Conditions on the person, application, job, stage and vendor records, and their evaluation.

One condition is a combinator (``all``, ``any``, ``not``) or one operator on a field::

    any:
      - {stage_at_least: Onsite}
      - {field: application.rejection_reason, in: [Position filled]}
      - {field: person.tags, contains: silver-medalist}
      - not: {field: crm.hs_email_optout, equals: true}

String comparisons ignore case; HubSpot's ``"true"``/``"false"`` and numeric strings compare as
booleans and numbers. A missing field matches nothing but ``exists: false``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from hub.rules.context import RuleContext
from hub.rules.paths import MISSING, ROOTS, is_personal, resolve

__all__ = ["Condition", "Match", "coerce_vendor_value", "evaluate_condition"]

_COMBINATORS = ("all_", "any_", "not_")
_STAGE_OPS = ("stage_at_least", "stage_after")
_FIELD_OPS = ("equals", "not_equals", "in_", "exists", "contains", "gt", "gte", "lt", "lte")
_OPS = (*_FIELD_OPS, "matches", *_STAGE_OPS)
_REDACTED = "<redacted>"


def _bound(value: Any) -> float | str | None:
    # One message instead of pydantic's one error per union member.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise ValueError("expected a number or text to compare with")


Bound = Annotated[Any, AfterValidator(_bound)]


class Match(BaseModel):
    """One condition that held, with the value it saw.

    ``actual`` is kept for the sync engine but never shown for personal fields: ``str()`` and
    ``repr()`` render it as ``<redacted>``.
    """

    model_config = ConfigDict(frozen=True)

    condition: str
    field: str
    actual: Any = Field(default=None, repr=False)
    personal: bool = False

    @property
    def shown(self) -> Any:
        """The actual value as logs may show it."""
        return _REDACTED if self.personal else self.actual

    def __str__(self) -> str:
        shown = self.shown if self.personal else repr(self.actual)
        return f"{self.condition} (actual: {shown})"

    def __repr__(self) -> str:
        return f"Match({self!s})"


class Condition(BaseModel):
    """A condition: exactly one of ``all``/``any``/``not``, a field operator or a stage operator."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    all_: list[Condition] | None = Field(default=None, alias="all")
    any_: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")
    field: str | None = None
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    exists: bool | None = None
    contains: Any = None
    gt: Bound = None
    gte: Bound = None
    lt: Bound = None
    lte: Bound = None
    matches: str | None = None
    stage_at_least: str | None = None
    stage_after: str | None = None

    @field_validator("field")
    @classmethod
    def _known_root(cls, value: str | None) -> str | None:
        if value is not None and value.split(".", 1)[0] not in ROOTS:
            root = value.split(".", 1)[0]
            close = difflib.get_close_matches(root, ROOTS, n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(ROOTS)}"
            )
            raise ValueError(f"unknown field root {root!r} ({hint})")
        return value

    @field_validator("matches")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_shape(self) -> Condition:
        given = [n for n in (*_COMBINATORS, *_OPS) if n in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(
                "a condition needs exactly one of all, any, not, or one operator "
                "(equals, not_equals, in, exists, contains, gt, gte, lt, lte, matches, "
                "stage_at_least, stage_after)"
            )
        needs_field = given[0] in (*_FIELD_OPS, "matches")
        if needs_field and self.field is None:
            raise ValueError(f"operator {given[0].rstrip('_')!r} needs a 'field'")
        if not needs_field and self.field is not None:
            raise ValueError(f"{given[0].rstrip('_')!r} takes no 'field'")
        return self

    @property
    def operator(self) -> str:
        """The operator's field name (``in_``, ``all_``, ``stage_at_least``…)."""
        return next(n for n in (*_COMBINATORS, *_OPS) if n in self.model_fields_set)

    def stage_names(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """``(relative loc, stage name)`` of every stage operator in this tree."""
        yield from self._walk_leaves(lambda c: c.operator in _STAGE_OPS, _stage_of)

    def field_paths(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """``(relative loc, path)`` of every field in this tree."""
        yield from self._walk_leaves(lambda c: c.field is not None, lambda c: str(c.field))

    def _walk_leaves(self, keep: Any, value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
        if self.not_ is not None:
            for loc, found in self.not_._walk_leaves(keep, value):
                yield ("not", *loc), found
        for key in ("all", "any"):
            for i, child in enumerate(getattr(self, key + "_") or ()):
                for loc, found in child._walk_leaves(keep, value):
                    yield (key, i, *loc), found
        if keep(self):
            op = self.operator.rstrip("_")
            yield ((op,) if op in _STAGE_OPS else ("field",)), value(self)

    def describe(self, *, redact: bool = False) -> str:
        """The condition as text, e.g. ``stage_at_least 'Onsite'``.

        With ``redact``, the expected value is hidden (except for ``exists``): a condition that
        held on a personal field would otherwise reveal the value it compared with.
        """
        op = self.operator
        if op in _STAGE_OPS:
            return f"{op} {getattr(self, op)!r}"
        expected = _REDACTED if redact and op != "exists" else repr(getattr(self, op))
        return f"{self.field} {op.rstrip('_')} {expected}"


def _stage_of(cond: Condition) -> str:
    return str(getattr(cond, cond.operator))


def evaluate_condition(cond: Condition, ctx: RuleContext) -> tuple[bool, tuple[Match, ...]]:
    """Whether ``cond`` holds in ``ctx``, and the leaf conditions that made it hold."""
    op = cond.operator
    if op == "all_":
        found: list[Match] = []
        for child in cond.all_ or ():
            ok, matches = evaluate_condition(child, ctx)
            if not ok:
                return False, ()
            found.extend(matches)
        return True, tuple(found)
    if op == "any_":
        for child in cond.any_ or ():
            ok, matches = evaluate_condition(child, ctx)
            if ok:
                return True, matches
        return False, ()
    if op == "not_":
        assert cond.not_ is not None
        ok, _ = evaluate_condition(cond.not_, ctx)
        return (not ok), ((_leaf_match(cond.not_, ctx, negated=True),) if not ok else ())
    held = _leaf_holds(cond, ctx)
    return held, ((_leaf_match(cond, ctx),) if held else ())


def _leaf_match(cond: Condition, ctx: RuleContext, *, negated: bool = False) -> Match:
    if cond.operator in ("all_", "any_", "not_"):
        return Match(condition=f"not ({cond.operator.rstrip('_')} …)", field="", actual=None)
    prefix = "not " if negated else ""
    if cond.operator in _STAGE_OPS:
        stage = ctx.current_stage
        actual = stage.name if stage else None
        return Match(condition=prefix + cond.describe(), field="stage.name", actual=actual)
    path = str(cond.field)
    actual = resolve(path, ctx)
    personal = is_personal(path)
    return Match(
        condition=prefix + cond.describe(redact=personal),
        field=path,
        actual=None if actual is MISSING else actual,
        personal=personal,
    )


def _leaf_holds(cond: Condition, ctx: RuleContext) -> bool:
    op = cond.operator
    if op in _STAGE_OPS:
        return _stage_holds(ctx, str(getattr(cond, op)), strictly=op == "stage_after")
    actual = resolve(str(cond.field), ctx)
    if op == "exists":
        present = actual is not MISSING and actual not in (None, "", [], ())
        return present == cond.exists
    if actual is MISSING:
        return op == "not_equals"
    expected = getattr(cond, op)
    if op == "equals":
        return _same(actual, expected)
    if op == "not_equals":
        return not _same(actual, expected)
    if op == "in_":
        return any(_same(actual, option) for option in expected)
    if op == "contains":
        return any(_same(item, expected) for item in _items(actual))
    if op == "matches":
        return actual is not None and re.search(expected, str(actual)) is not None
    return _compare(actual, expected, op=op)


def _stage_holds(ctx: RuleContext, name: str, *, strictly: bool) -> bool:
    current, target = ctx.current_stage, ctx.stage_named(name)
    if current is None or target is None:
        return False
    return current.order > target.order if strictly else current.order >= target.order


def coerce_vendor_value(actual: Any, expected: Any) -> Any:
    """HubSpot sends every value as a string: read it as the type the rule compares with."""
    if isinstance(actual, str) and isinstance(expected, bool):
        lowered = actual.strip().lower()
        return {"true": True, "false": False}.get(lowered, actual)
    if isinstance(actual, str) and isinstance(expected, int | float):
        try:
            return float(actual)
        except ValueError:
            return actual
    return actual


def _same(actual: Any, expected: Any) -> bool:
    actual = coerce_vendor_value(actual, expected)
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold() == expected.casefold()
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False
    return bool(actual == expected)


def _items(actual: Any) -> list[Any]:
    if isinstance(actual, str):
        # HubSpot multi-select values are ";"-joined.
        return [part.strip() for part in actual.split(";")]
    if isinstance(actual, list | tuple | set | frozenset):
        return list(actual)
    return [actual]


def _compare(actual: Any, expected: Any, *, op: str) -> bool:
    actual = coerce_vendor_value(actual, expected)
    if isinstance(actual, bool) or not isinstance(actual, type(expected) | int | float):
        return False
    try:
        if op == "gt":
            return bool(actual > expected)
        if op == "gte":
            return bool(actual >= expected)
        if op == "lt":
            return bool(actual < expected)
        return bool(actual <= expected)
    except TypeError:
        return False
