"""Consent is never overridden by a rule: actions that would loosen it are dropped, with reasons."""

from __future__ import annotations

from collections.abc import Iterable

from hub.rules.actions import Action, Nurture, SetCrmProperties
from hub.rules.conditions import coerce_vendor_value
from hub.rules.context import RuleContext
from hub.rules.decisions import DroppedAction
from hub.rules.properties import CONSENT_PROPERTIES, OPT_OUT_PROPERTIES

__all__ = ["guard_consent", "opted_out"]


def opted_out(ctx: RuleContext) -> bool:
    """Whether the person opted out of recruiting marketing or email, on either side."""
    consent = ctx.person.consent
    if consent.marketing_opt_out or consent.email_opt_out:
        return True
    return any(coerce_vendor_value(ctx.crm.get(p), True) is True for p in OPT_OUT_PROPERTIES)


def guard_consent(
    actions: Iterable[Action], ctx: RuleContext
) -> tuple[tuple[Action, ...], tuple[DroppedAction, ...]]:
    """Split actions into those to execute and those withheld.

    Withheld: enrolling an opted-out person in nurture; setting an opt-out property to anything
    but true, or a consent property to anything but false.
    """
    kept: list[Action] = []
    dropped: list[DroppedAction] = []
    for action in actions:
        if isinstance(action, Nurture) and action.kind == "enrol_nurture" and opted_out(ctx):
            dropped.append(DroppedAction(action=action, reason="opted_out"))
        elif isinstance(action, SetCrmProperties):
            allowed, refused = _split_consent_writes(action)
            if refused is not None:
                dropped.append(DroppedAction(action=refused, reason="consent_protected"))
            if allowed is not None:
                kept.append(allowed)
        else:
            kept.append(action)
    return tuple(kept), tuple(dropped)


def _split_consent_writes(
    action: SetCrmProperties,
) -> tuple[SetCrmProperties | None, SetCrmProperties | None]:
    def loosens(name: str, value: object) -> bool:
        if name in OPT_OUT_PROPERTIES:
            return coerce_vendor_value(value, True) is not True
        if name in CONSENT_PROPERTIES:
            return coerce_vendor_value(value, True) is not False
        return False

    props = action.properties
    bad = {k: v for k, v in props.items() if loosens(k, v)}
    if not bad:
        return action, None
    good = {k: v for k, v in props.items() if k not in bad}
    allowed = action.model_copy(update={"properties": good}) if good else None
    return allowed, action.model_copy(update={"properties": bad})
