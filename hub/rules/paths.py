"""Field paths in conditions and templates (``person.consent.email_opt_out``, ``crm.hub_nurture``).

A path starts at a root of the :class:`RuleContext`. Whether a path holds personal data decides
whether decision logs may show its value: only an allow-list of non-personal fields is shown.
"""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import BaseModel

from hub.rules.context import RuleContext

__all__ = [
    "MISSING",
    "ROOTS",
    "Missing",
    "is_personal",
    "render_template",
    "resolve",
    "template_paths",
]

ROOTS: tuple[str, ...] = (
    "person",
    "application",
    "job",
    "stage",
    "crm",
    "ats",
    "event",
    "trigger",
    "previous_status",
    "last_activity_at",
    "now",
)


class Missing:
    """The value of a path that leads nowhere (distinct from an explicit ``None``)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = Missing()

_NON_PERSONAL_ROOTS = frozenset(
    {"application", "job", "stage", "event", "trigger", "previous_status", "now"}
)
_NON_PERSONAL = frozenset(
    {
        "person.relationship_status",
        "person.tags",
        "person.source",
        "person.consent",
        "person.custom.hub_nurture",
        "person.custom.hub_ready_for_ats",
        "person.custom.greenhouse_candidate_id",
        "person.custom.last_application_status",
        "crm.candidate_status",
        "crm.candidate_tags",
        "crm.candidate_source",
        "crm.greenhouse_candidate_id",
        "crm.last_application_job",
        "crm.last_application_stage",
        "crm.last_application_status",
        "crm.lifecyclestage",
        "crm.hs_lead_status",
        "crm.hs_email_optout",
        "crm.hub_gdpr_consent",
        "crm.hub_nurture",
        "crm.hub_ready_for_ats",
        "crm.hub_recruiting_opt_out",
        "crm.hub_onboarding",
        "ats.tags",
        "ats.source",
        "ats.active_applications",
        "last_activity_at",
    }
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.\-]*)\}")


def is_personal(path: str) -> bool:
    """Whether a value at ``path`` may be personal data (and must be redacted in logs)."""
    if path.split(".", 1)[0] in _NON_PERSONAL_ROOTS:
        return False
    return not any(path == p or path.startswith(p + ".") for p in _NON_PERSONAL)


def resolve(path: str, ctx: RuleContext) -> Any:
    """The value at ``path`` in ``ctx``, or :data:`MISSING`."""
    root, *rest = path.split(".")
    if root in ("crm", "ats"):
        record = ctx.crm if root == "crm" else ctx.ats
        return record.get(".".join(rest), MISSING) if rest else record
    if root == "stage":
        node: Any = ctx.current_stage
    elif root in ROOTS:
        node = getattr(ctx, root)
    else:
        return MISSING
    for part in rest:
        node = _step(node, part)
        if node is MISSING:
            break
    return MISSING if node is None and rest else node


def _step(node: Any, part: str) -> Any:
    if isinstance(node, BaseModel):
        if part in type(node).model_fields:
            return getattr(node, part)
        return MISSING
    if isinstance(node, dict):
        return node.get(part, MISSING)
    return MISSING


def render_template(text: str, ctx: RuleContext) -> Any:
    """Fill ``{path}`` placeholders from the context.

    A value that is exactly one placeholder keeps the value's type (``None`` when missing);
    otherwise missing values render as empty text.
    """
    whole = _PLACEHOLDER.fullmatch(text)
    if whole:
        value = resolve(whole[1], ctx)
        return None if value is MISSING else value

    def fill(match: re.Match[str]) -> str:
        value = resolve(match[1], ctx)
        return "" if value is MISSING or value is None else str(value)

    return _PLACEHOLDER.sub(fill, text)


def template_paths(text: str) -> list[str]:
    """The paths a template refers to (for validation)."""
    return [m[1] for m in _PLACEHOLDER.finditer(text)]
