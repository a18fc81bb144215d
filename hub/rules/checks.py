"""Checks of a rules file that a schema cannot express.

Names that must exist (stages, CRM properties, placeholder roots), filters that fit their trigger,
and rules that can never fire. Each finding carries its location in the rules file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hub.rules.actions import ActionItem
from hub.rules.paths import ROOTS, template_paths
from hub.rules.properties import HUB_PROPERTIES, STANDARD_CONTACT_PROPERTIES
from hub.rules.spec import RuleSet, RuleSpec, When

__all__ = ["RULE_EVENTS", "Finding", "check_rules"]

# The outbound webhook events a rule may emit (the person events of the webhook catalogue).
RULE_EVENTS = (
    "person.status_changed",
    "person.became_applicant",
    "person.returned_to_nurture",
    "person.hired",
)

Loc = tuple[str | int, ...]
_FILTERS = (
    ("property_", "property", "contact_property_changed"),
    ("list_", "list", "contact_added_to_list"),
    ("no_activity_for", "no_activity_for", "tick"),
)


@dataclass(frozen=True)
class Finding:
    """One problem: where (a path in the file; ``key`` to point at the key) and what."""

    loc: Loc
    message: str
    key: bool = False


def check_rules(rules: RuleSet, *, stages: Iterable[str] = ()) -> list[Finding]:
    """Every cross-reference problem of a parsed rules file.

    Args:
        rules: The parsed file.
        stages: Known stage names besides the file's own ``stages:`` list (e.g. from the ATS).
            With no stage names known at all, stage names are not checked.
    """
    known_stages = [*rules.stages, *stages]
    properties = HUB_PROPERTIES | STANDARD_CONTACT_PROPERTIES | set(rules.crm_properties)
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules.rules):
        at: Loc = ("rules", i)
        if rule.name in seen:
            findings.append(Finding((*at, "name"), f"duplicate rule name (rule {seen[rule.name]})"))
        seen.setdefault(rule.name, i)
        findings += _filter_findings(rule.when, (*at, "when"))
        findings += _stage_findings(rule.when, (*at, "when"), known=known_stages)
        findings += _property_findings(rule, at, known=properties)
        findings += _template_findings(rule.then, (*at, "then"))
        findings += _emit_findings(rule.then, (*at, "then"))
    findings += _unreachable(rules.rules)
    return findings


def _filter_findings(when: When, at: Loc) -> Iterator[Finding]:
    for attr, key, trigger in _FILTERS:
        if getattr(when, attr) is not None and when.event != trigger:
            yield Finding((*at, key), f"{key!r} only applies to the {trigger!r} trigger", key=True)
    if when.event == "tick" and when.no_activity_for is None:
        yield Finding((*at, "event"), "the 'tick' trigger needs 'no_activity_for'")


def _stage_findings(when: When, at: Loc, *, known: list[str]) -> Iterator[Finding]:
    if when.if_ is None or not known:
        return
    folded = {s.casefold() for s in known}
    for loc, name in when.if_.stage_names():
        if name.casefold() not in folded:
            yield Finding((*at, "if", *loc), _unknown("stage", name, known=known))


def _property_findings(rule: RuleSpec, at: Loc, *, known: frozenset[str]) -> Iterator[Finding]:
    when = rule.when
    if when.property_ is not None and when.property_ not in known:
        yield Finding(
            (*at, "when", "property"), _unknown("CRM property", when.property_, known=known)
        )
    for loc, path in when.if_.field_paths() if when.if_ else ():
        root, _, name = path.partition(".")
        if root == "crm" and name and name not in known:
            yield Finding((*at, "when", "if", *loc), _unknown("CRM property", name, known=known))
    for j, item in enumerate(rule.then):
        names = list(item.set_crm or {})
        nurture = item.enrol_nurture or item.stop_nurture
        for name in names:
            if name not in known:
                loc = (*at, "then", j, "set_crm", name)
                yield Finding(loc, _unknown("CRM property", name, known=known), key=True)
        if nurture is not None and nurture.property_ and nurture.property_ not in known:
            loc = (*at, "then", j, item.key, "property")
            yield Finding(loc, _unknown("CRM property", nurture.property_, known=known))


def _template_findings(then: list[ActionItem], at: Loc) -> Iterator[Finding]:
    for j, item in enumerate(then):
        for loc, text in _texts(item.model_dump(exclude_unset=False), (j,)):
            for path in template_paths(text):
                if path.split(".", 1)[0] not in ROOTS:
                    yield Finding((*at, *loc), _unknown("placeholder root", path, known=ROOTS))


def _emit_findings(then: list[ActionItem], at: Loc) -> Iterator[Finding]:
    for j, item in enumerate(then):
        if item.emit is not None and item.emit not in RULE_EVENTS:
            message = _unknown("event", item.emit, known=RULE_EVENTS)
            known = ", ".join(RULE_EVENTS)
            yield Finding((*at, j, "emit"), f"{message}; a rule emits one of: {known}")


def _texts(node: object, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _texts(v, (*loc, k.rstrip("_")))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _texts(v, (*loc, i))


def _unreachable(rules: list[RuleSpec]) -> Iterator[Finding]:
    """Rules shadowed by an earlier ``stop: true`` rule of the same trigger with no conditions."""
    for i, rule in enumerate(rules):
        for j, earlier in enumerate(rules[:i]):
            if _always_wins(earlier.when, rule.when) and earlier.stop:
                yield Finding(
                    ("rules", i, "name"),
                    f"rule can never fire: rule {j} ({earlier.name!r}) has stop: true, "
                    "the same trigger and no conditions",
                )
                break


def _always_wins(earlier: When, later: When) -> bool:
    if earlier.event != later.event or not earlier.is_unconditional:
        return False
    return all(
        getattr(earlier, attr) is None or getattr(earlier, attr) == getattr(later, attr)
        for attr, _, _ in _FILTERS
    )


def _unknown(what: str, name: str, *, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {name!r}{hint}"
