"""The evaluator: rules + context in, decisions out. Pure: it executes nothing."""

from __future__ import annotations

from typing import Any, Literal

from hub.rules.actions import (
    Action,
    ActionItem,
    AddNote,
    ChangeTags,
    CreateProspect,
    EmitEvent,
    Nurture,
    SetAtsFields,
    SetCrmProperties,
    SetStatus,
)
from hub.rules.conditions import Match, evaluate_condition
from hub.rules.consent import guard_consent
from hub.rules.context import ChainLink, RuleContext
from hub.rules.decisions import Decision, DroppedAction, Evaluation
from hub.rules.loopguard import already_fired, find_flip, writes_of
from hub.rules.paths import render_template
from hub.rules.properties import is_backward_lifecycle_move
from hub.rules.spec import RuleSet, RuleSpec, Settings, When

__all__ = ["evaluate"]


def evaluate(rules: RuleSet, ctx: RuleContext) -> Evaluation:
    """Decide which rules fire for the event in ``ctx`` and what they would do.

    Rules are tried in file order against the same input state; each one whose trigger, filter
    and conditions hold fires, until one with ``stop: true`` fires or the loop guard stops.

    Args:
        rules: The validated rules file.
        ctx: The event and the person's state.

    Returns:
        The decisions, with the chain to pass on to events these actions cause.
    """
    job = ctx.job
    if rules.settings.exclude_confidential_jobs and job is not None and job.confidential:
        excluded = Decision(rule="", outcome="excluded", reason="confidential_job")
        return Evaluation(trigger=ctx.trigger, decisions=(excluded,), chain=ctx.chain)
    chain = list(ctx.chain)
    decisions: list[Decision] = []
    for rule in rules.rules:
        holds, matched = _rule_holds(rule.when, ctx)
        if not holds:
            continue
        if already_fired(chain, rule.name):
            decisions.append(
                Decision(rule=rule.name, outcome="skipped", reason="already_fired_in_chain")
            )
            # A stop rule still wins when skipped: the rules after it must not act instead.
            if rule.stop:
                break
            continue
        decision, link = _fire(rule, ctx, matched=matched, settings=rules.settings, chain=chain)
        decisions.append(decision)
        if link is None:
            break
        chain.append(link)
        if rule.stop:
            break
    return Evaluation(trigger=ctx.trigger, decisions=tuple(decisions), chain=tuple(chain))


def _fire(
    rule: RuleSpec,
    ctx: RuleContext,
    *,
    matched: tuple[Match, ...],
    settings: Settings,
    chain: list[ChainLink],
) -> tuple[Decision, ChainLink | None]:
    """The fired decision and its chain link, or a ``loop_detected`` stop and no link."""
    wanted = _with_emitted_status(
        [a for item in rule.then for a in build_actions(item, ctx, settings=settings)], ctx
    )
    actions, dropped = guard_consent(wanted, ctx)
    actions, unchanged = _drop_unchanged_status(actions, ctx)
    dropped += unchanged
    writes = writes_of(actions)
    flip = find_flip(chain, writes)
    if flip is not None:
        withheld = tuple(DroppedAction(action=a, reason="loop_detected") for a in actions)
        stop = Decision(
            rule=rule.name,
            outcome="stopped",
            reason="loop_detected",
            matched=matched,
            dropped=withheld + dropped,
            detail=flip,
        )
        return stop, None
    fired = Decision(
        rule=rule.name,
        outcome="fired",
        reason="matched",
        matched=matched,
        actions=actions,
        dropped=dropped,
    )
    return fired, ChainLink(rule=rule.name, writes=writes)


def _with_emitted_status(actions: list[Action], ctx: RuleContext) -> list[Action]:
    """Stamp emitted events with the status the rule moves to (and the one it moves from)."""
    before = ctx.person.relationship_status
    after = next((a.status for a in reversed(actions) if isinstance(a, SetStatus)), before)
    update = {"status": after, "previous_status": before}
    return [a.model_copy(update=update) if isinstance(a, EmitEvent) else a for a in actions]


def _drop_unchanged_status(
    actions: tuple[Action, ...], ctx: RuleContext
) -> tuple[tuple[Action, ...], tuple[DroppedAction, ...]]:
    """Withhold setting the status the person already has (it would emit a needless change)."""
    current = ctx.person.relationship_status
    same = [a for a in actions if isinstance(a, SetStatus) and a.status == current]
    kept = tuple(a for a in actions if a not in same)
    return kept, tuple(DroppedAction(action=a, reason="unchanged") for a in same)


def _rule_holds(when: When, ctx: RuleContext) -> tuple[bool, tuple[Match, ...]]:
    if when.event != ctx.trigger:
        return False, ()
    event = ctx.event
    if when.property_ is not None and (event.property_name or "") != when.property_:
        return False, ()
    if when.list_ is not None and event.related_ids.get("list", "").casefold() != (
        when.list_.casefold()
    ):
        return False, ()
    found: list[Match] = []
    if when.no_activity_for is not None:
        last = ctx.last_activity_at
        if last is None or ctx.now - last < when.no_activity_for:
            return False, ()
        idle = (ctx.now - last).days
        found.append(
            Match(condition=f"no activity for {when.no_activity_for.days}d", field="", actual=idle)
        )
    if when.if_ is not None:
        holds, matches = evaluate_condition(when.if_, ctx)
        if not holds:
            return False, ()
        found.extend(matches)
    return True, tuple(found)


def build_actions(item: ActionItem, ctx: RuleContext, *, settings: Settings) -> list[Action]:
    """The typed actions of one ``then:`` item, placeholders filled from ``ctx``."""
    key = item.key
    if item.set_status is not None:
        return [SetStatus(status=item.set_status)]
    if item.set_crm is not None:
        return _crm_actions(_filled(item.set_crm, ctx), ctx)
    if item.set_ats is not None:
        return [SetAtsFields(fields=_filled(item.set_ats, ctx))]
    if item.add_tags is not None or item.remove_tags is not None:
        spec = item.add_tags or item.remove_tags
        assert spec is not None
        kind: Literal["add_tags", "remove_tags"] = (
            "add_tags" if item.add_tags is not None else "remove_tags"
        )
        return [
            ChangeTags(kind=kind, system=system, tags=tuple(tags))
            for system, tags in (("crm", spec.crm), ("ats", spec.ats))
            if tags
        ]
    if item.create_prospect is not None:
        spec_p = item.create_prospect
        return [
            CreateProspect(
                jobs=tuple(spec_p.jobs),
                pool=spec_p.pool,
                pool_stage=spec_p.pool_stage,
                referrer=_text(spec_p.referrer, ctx),
                source=_text(spec_p.source, ctx),
            )
        ]
    if item.add_note is not None:
        return [AddNote(body=str(render_template(item.add_note, ctx) or ""))]
    if item.emit is not None:
        return [EmitEvent(event=item.emit)]
    nurture = item.enrol_nurture or item.stop_nurture
    assert nurture is not None, key
    prop = None if nurture.list_ else (nurture.property_ or settings.nurture_property)
    return [Nurture.model_validate({"kind": key, "property": prop, "list": nurture.list_})]


def _filled(values: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    return {k: render_template(v, ctx) if isinstance(v, str) else v for k, v in values.items()}


def _text(template: str | None, ctx: RuleContext) -> str | None:
    if template is None:
        return None
    value = render_template(template, ctx)
    return None if value in (None, "") else str(value)


def _crm_actions(properties: dict[str, Any], ctx: RuleContext) -> list[Action]:
    """Split out ``lifecyclestage``: HubSpot only moves it back when it is cleared first."""
    if "lifecyclestage" not in properties:
        return [SetCrmProperties(properties=properties)]
    target = properties.pop("lifecyclestage")
    backward = is_backward_lifecycle_move(ctx.crm.get("lifecyclestage"), target)
    stage = SetCrmProperties(properties={"lifecyclestage": target}, clear_first=backward)
    return [SetCrmProperties(properties=properties), stage] if properties else [stage]
