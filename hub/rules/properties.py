"""What the rules know about HubSpot contact properties: names, lifecycle order, consent.

The list lets ``hub rules check`` catch a misspelt property before a rule writes to a property
HubSpot does not have. A portal's own properties are added in the rules file (``crm_properties``).
"""

from __future__ import annotations

__all__ = [
    "CONSENT_PROPERTIES",
    "HUB_PROPERTIES",
    "LIFECYCLE_ORDER",
    "OPT_OUT_PROPERTIES",
    "STANDARD_CONTACT_PROPERTIES",
    "is_backward_lifecycle_move",
]

# Created by `hub setup` in the "talent hub" property group (see mappings/hubspot.contact.yaml).
HUB_PROPERTIES: frozenset[str] = frozenset(
    {
        "candidate_status",
        "candidate_tags",
        "candidate_source",
        "candidate_referrer",
        "greenhouse_candidate_id",
        "last_application_job",
        "last_application_stage",
        "last_application_status",
        "hub_person_id",
        "hub_nurture",
        "hub_ready_for_ats",
        "hub_gdpr_consent",
        "hub_recruiting_opt_out",
        "hub_onboarding",
        "linkedin_url",
        "github_url",
        "desired_salary",
    }
)

STANDARD_CONTACT_PROPERTIES: frozenset[str] = frozenset(
    {
        "address",
        "annualrevenue",
        "associatedcompanyid",
        "city",
        "company",
        "country",
        "createdate",
        "email",
        "fax",
        "firstname",
        "hs_additional_emails",
        "hs_analytics_source",
        "hs_email_optout",
        "hs_language",
        "hs_latest_source",
        "hs_lead_status",
        "hs_linkedin_url",
        "hs_object_id",
        "hs_persona",
        "hs_timezone",
        "hubspot_owner_id",
        "industry",
        "jobtitle",
        "lastmodifieddate",
        "lastname",
        "lifecyclestage",
        "message",
        "mobilephone",
        "notes_last_contacted",
        "notes_last_updated",
        "num_notes",
        "phone",
        "salutation",
        "seniority",
        "state",
        "twitterhandle",
        "website",
        "zip",
    }
)

# HubSpot only moves lifecyclestage forwards; going back needs the value cleared first.
LIFECYCLE_ORDER: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)

# A rule may set these to true (opt out) but never to anything else.
OPT_OUT_PROPERTIES: frozenset[str] = frozenset({"hs_email_optout", "hub_recruiting_opt_out"})
# A rule may withdraw these (false) but never grant them.
CONSENT_PROPERTIES: frozenset[str] = frozenset({"hub_gdpr_consent"})


def is_backward_lifecycle_move(current: object, target: object) -> bool:
    """Whether setting lifecyclestage from ``current`` to ``target`` moves it backwards."""
    if not isinstance(current, str) or not isinstance(target, str):
        return False
    try:
        return LIFECYCLE_ORDER.index(target.lower()) < LIFECYCLE_ORDER.index(current.lower())
    except ValueError:
        return False
