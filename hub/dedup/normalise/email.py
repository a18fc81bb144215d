"""Email addresses: one canonical form, with role and agency inboxes flagged as weak evidence."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection

# A weak value (a shared inbox) is kept but marked, so that comparators can tell "shared a
# role inbox" from "shared a personal address". Control characters never survive normalisation,
# so the mark cannot collide with a real address.
WEAK_MARK = "\x1f"

_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

# Inboxes read by many people: sharing one says little about being the same person.
ROLE_LOCAL_PARTS = frozenset(
    {
        "admin", "applications", "apply", "careers", "career", "contact", "cv", "cvs",
        "enquiries", "hello", "help", "hiring", "hr", "humanresources", "info", "inquiries",
        "jobs", "job", "mail", "noreply", "no-reply", "office", "people", "recruiter",
        "recruiters", "recruiting", "recruitment", "resumes", "resume", "sales", "staffing",
        "support", "talent", "talentacquisition", "team", "candidates", "submissions",
    }
)  # fmt: skip

# Staffing agencies submit many candidates from one address; extended per config.
AGENCY_DOMAINS = frozenset(
    {
        "adecco.com", "randstad.com", "hays.com", "roberthalf.com", "michaelpage.com",
        "manpower.com", "manpowergroup.com", "kellyservices.com", "kforce.com", "aerotek.com",
        "teksystems.com", "insightglobal.com", "allegisgroup.com", "harveynash.com",
        "spencerstuart.com", "kornferry.com", "heidrick.com", "pagepersonnel.com",
        "hudson.com", "reed.co.uk", "modis.com", "experis.com", "tal.net", "hired.com",
    }
)  # fmt: skip


def normalise_email(
    raw: str, *, agency_domains: Collection[str] = AGENCY_DOMAINS
) -> tuple[str, ...]:
    """Normalise one email address.

    Case, whitespace and Unicode compatibility forms are folded; for Gmail only, dots and
    ``+tags`` in the local part are dropped (Gmail delivers those to the same inbox; other
    providers do not promise that). Role inboxes and agency domains come back marked weak.

    Args:
        raw: The address as typed (``"Mailto: <J.Doe+jobs@GoogleMail.com>"``).
        agency_domains: Domains whose addresses are shared by many candidates.

    Returns:
        The canonical address (prefixed with ``WEAK_MARK`` when weak), or ``()`` if unusable.
    """
    text = unicodedata.normalize("NFKC", raw).strip().strip("<>\"' ").lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:") :].strip().strip("<>")
    if text.isascii():
        # Fast path for the common case: printable ASCII excludes every control character.
        if " " in text or not text.isprintable():
            return ()
    elif any(c.isspace() or unicodedata.category(c).startswith("C") for c in text):
        return ()
    local, at, domain = text.rpartition("@")
    domain = domain.rstrip(".")
    if not at or not local or "." not in domain:
        return ()
    if domain in _GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
        if not local:
            return ()
    address = f"{local}@{domain}"
    weak = local in ROLE_LOCAL_PARTS or domain in agency_domains
    return (WEAK_MARK + address,) if weak else (address,)


def is_weak_value(value: str) -> bool:
    """Whether a normalised value is marked as weak evidence (a shared inbox).

    Args:
        value: A normalised value.

    Returns:
        ``True`` for weak values.
    """
    return value.startswith(WEAK_MARK)
