"""The contact properties the hub writes, as data, and ``setup`` that creates them.

The mappings read :data:`HUB_PROPERTIES` to know which HubSpot properties exist for them.
``setup`` is idempotent: it creates what is missing, leaves what exists alone, and reports a
property whose type differs from ours instead of overwriting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.hubspot.client import HubSpotClient

__all__ = [
    "CANDIDATE_STATUSES",
    "HUB_GROUP",
    "HUB_PROPERTIES",
    "STANDARD_READ_PROPERTIES",
    "ensure_hub_properties",
    "read_properties",
]

HUB_GROUP: dict[str, Any] = {"name": "talent_hub", "label": "Talent hub", "displayOrder": -1}

CANDIDATE_STATUSES = (
    "prospect",
    "nurture",
    "applicant",
    "interviewing",
    "offer",
    "hired",
    "rejected",
    "silver_medalist",
    "withdrawn",
)


def _prop(name: str, label: str, kind: str, description: str) -> dict[str, Any]:
    types = {
        "string": ("string", "text"),
        "bool": ("bool", "booleancheckbox"),
        "datetime": ("datetime", "date"),
        "enumeration": ("enumeration", "select"),
    }
    prop_type, field_type = types[kind]
    spec: dict[str, Any] = {
        "name": name,
        "label": label,
        "type": prop_type,
        "fieldType": field_type,
        "groupName": HUB_GROUP["name"],
        "description": description,
    }
    if kind == "bool":
        spec["options"] = [
            {"label": "Yes", "value": "true", "displayOrder": 0},
            {"label": "No", "value": "false", "displayOrder": 1},
        ]
    return spec


HUB_PROPERTIES: tuple[dict[str, Any], ...] = (
    {
        **_prop("candidate_status", "Candidate status", "enumeration", "Where the person stands."),
        "options": [
            {"label": value.replace("_", " ").capitalize(), "value": value, "displayOrder": i}
            for i, value in enumerate(CANDIDATE_STATUSES)
        ],
    },
    _prop("greenhouse_candidate_id", "Greenhouse candidate ID", "string", "Linked candidate."),
    _prop("last_application_job", "Last application job", "string", "Job of the last application."),
    _prop("last_application_stage", "Last application stage", "string", "Its current stage."),
    _prop("last_application_status", "Last application status", "string", "active/rejected/hired."),
    _prop("last_application_at", "Last application at", "datetime", "When it was last updated."),
    _prop("hub_person_id", "Hub person ID", "string", "The hub's golden-record id."),
    _prop("hub_nurture", "In nurture", "bool", "Whether nurture campaigns include the person."),
    _prop("hub_ready_for_ats", "Ready for ATS", "bool", "Marketer asks to create a prospect."),
    _prop("hub_last_synced_at", "Hub last synced at", "datetime", "Last write by the hub."),
    _prop("linkedin_url", "LinkedIn profile", "string", "Canonical LinkedIn profile URL."),
    _prop("github_url", "GitHub profile", "string", "Canonical GitHub profile URL."),
    _prop("candidate_tags", "Candidate tags", "string", "ATS tags, separated by ';'."),
    _prop("hub_gdpr_consent", "GDPR consent", "bool", "Consent to be contacted for recruiting."),
    _prop("candidate_source", "Candidate source", "string", "Where the candidate came from."),
    _prop("candidate_referrer", "Candidate referrer", "string", "Who referred the candidate."),
    _prop(
        "hub_recruiting_opt_out",
        "Recruiting opt-out",
        "bool",
        "No recruiting marketing (set for employees and on request).",
    ),
    _prop("hub_onboarding", "Onboarding", "bool", "Hired: onboarding has started."),
)


def _compare(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> str:
    name = ours["name"]
    if theirs.get("type") != ours["type"]:
        return (
            f"MISMATCH property {name}: HubSpot has type {theirs.get('type')!r}, the hub needs "
            f"{ours['type']!r}; left unchanged, fix it in HubSpot"
        )
    wanted = {option["value"] for option in ours.get("options", [])}
    have = {option.get("value") for option in theirs.get("options") or []}
    missing = sorted(wanted - have) if ours["type"] == "enumeration" else []
    if missing:
        return f"MISMATCH property {name}: missing options {', '.join(missing)}; left unchanged"
    return f"ok property {name} exists"


def ensure_hub_properties(client: HubSpotClient) -> list[str]:
    """Create the hub's property group and properties where missing; one line per action."""
    lines: list[str] = []
    groups = {group["name"] for group in client.list_property_groups()}
    if HUB_GROUP["name"] in groups:
        lines.append(f"ok group {HUB_GROUP['name']} exists")
    else:
        client.create_property_group(HUB_GROUP)
        lines.append(f"created group {HUB_GROUP['name']}")
    existing = {prop["name"]: prop for prop in client.list_properties()}
    for ours in HUB_PROPERTIES:
        theirs = existing.get(ours["name"])
        if theirs is None:
            client.create_property(ours)
            lines.append(f"created property {ours['name']} ({ours['type']})")
        else:
            lines.append(_compare(ours, theirs))
    return lines


STANDARD_READ_PROPERTIES: tuple[str, ...] = (
    "email",
    "firstname",
    "lastname",
    "phone",
    "mobilephone",
    "company",
    "jobtitle",
    "city",
    "country",
    "hs_additional_emails",
    "hs_linkedin_url",
    "lifecyclestage",
    "hs_lead_status",
    "hubspot_owner_id",
    "createdate",
    "lastmodifieddate",
    "hs_object_id",
)


def read_properties(extra: tuple[str, ...] = ()) -> list[str]:
    """The properties every read asks for: standard ones, the hub's, then ``extra``."""
    names = [*STANDARD_READ_PROPERTIES, *(p["name"] for p in HUB_PROPERTIES), *extra]
    return list(dict.fromkeys(names))
