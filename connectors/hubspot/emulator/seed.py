"""Deterministic fake contacts, with the messy duplicates real CRMs hold.

About one person in twelve appears twice: a Gmail address with dots or a ``+tag``, a nickname,
another phone format or LinkedIn URL variant. Everything derives from the seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from connectors.hubspot.emulator.catalog import LEAD_STATUSES, LIFECYCLE_STAGES

__all__ = ["seed_rows"]

NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Elizabeth": "Liz",
    "Katherine": "Kate",
    "Michael": "Mike",
    "Jennifer": "Jen",
    "Alexander": "Alex",
    "Margaret": "Peggy",
    "Daniel": "Dan",
    "Susan": "Sue",
}
FIRST = (*NICKNAMES, "Aisha", "Chen", "Sofia", "Mateo", "Priya", "Olu", "Hannah", "Noah", "Yuki")
LAST = (
    "Smith", "Garcia", "Nguyen", "Okafor", "Muller", "Rossi", "Kowalski", "Tanaka", "Patel",
    "Johansson", "Dubois", "Silva", "Kim", "O'Brien", "Cohen", "Haddad",
)  # fmt: skip
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne")
TITLES = ("Engineer", "Designer", "Data Scientist", "Product Manager", "Recruiter", "SRE")
DOMAINS = ("gmail.com", "example.com", "mail.example.org", "outlook.example.net")
LINKEDIN = (
    "https://www.linkedin.com/in/{slug}",
    "linkedin.com/in/{slug}/",
    "http://linkedin.com/in/{slug}?trk=profile",
    "https://uk.linkedin.com/in/{slug}",
)


def _phone(rng: random.Random, digits: str) -> str:
    formats = (
        f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}",
        f"({digits[:3]}) {digits[3:6]} {digits[6:]}",
        digits,
        f"+1{digits}",
    )
    return rng.choice(formats)


def _person(rng: random.Random, index: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    slug = f"{first}-{last}-{index}".lower().replace("'", "")
    local = f"{first}.{last}{index}".lower().replace("'", "")
    props = {
        "firstname": first,
        "lastname": last,
        "email": f"{local}@{rng.choice(DOMAINS)}",
        "phone": _phone(rng, f"{rng.randrange(200, 999)}555{index % 10000:04d}"),
        "company": rng.choice(COMPANIES),
        "jobtitle": rng.choice(TITLES),
        "hs_linkedin_url": rng.choice(LINKEDIN).format(slug=slug),
        "lifecyclestage": rng.choice(LIFECYCLE_STAGES[:5]),
        "hs_lead_status": rng.choice(LEAD_STATUSES),
    }
    return props


def _variant(rng: random.Random, original: dict[str, str], index: int) -> dict[str, str]:
    copy = dict(original)
    local, domain = original["email"].split("@")
    choice = rng.randrange(3)
    if choice == 0:
        copy["email"] = f"{local.replace('.', '')}@gmail.com"
    elif choice == 1:
        copy["email"] = f"{local}+jobs{index}@{domain}"
    else:
        copy["email"] = f"{local}.{index}@{rng.choice(DOMAINS)}"
    copy["firstname"] = NICKNAMES.get(original["firstname"], original["firstname"])
    digits = "".join(ch for ch in original["phone"] if ch.isdigit())[-10:]
    copy["phone"] = _phone(rng, digits)
    slug = original["hs_linkedin_url"].rstrip("/").split("/in/")[-1].split("?")[0]
    copy["hs_linkedin_url"] = rng.choice(LINKEDIN).format(slug=slug.upper())
    return copy


def seed_rows(
    *, seed: int, people: int, base_ms: int, span_ms: int, hub_properties: bool
) -> Iterator[tuple[dict[str, str], int, int]]:
    """Yield ``people`` rows of (properties, created_ms, updated_ms), deterministic in ``seed``.

    Args:
        seed: Random seed.
        people: How many contacts.
        base_ms: The latest modification time, epoch ms.
        span_ms: Times spread over ``[base_ms - span_ms, base_ms]``; 0 puts all in one ms.
        hub_properties: Also fill the hub's own properties (nurture flags).
    """
    rng = random.Random(seed)
    originals: list[dict[str, str]] = []
    used: set[str] = set()
    for index in range(people):
        if originals and rng.random() < 1 / 12:
            props = _variant(rng, rng.choice(originals), index)
            if props["email"] in used:  # HubSpot keeps emails unique
                local, domain = props["email"].split("@")
                props["email"] = f"{local}.{index}@{domain}"
        else:
            props = _person(rng, index)
            originals.append(props)
        used.add(props["email"])
        if hub_properties:
            props = {**props, "hub_nurture": rng.choice(("true", "false"))}
        updated = base_ms - rng.randrange(span_ms + 1) if span_ms else base_ms
        created = updated - (rng.randrange(span_ms + 1) if span_ms else 0)
        yield props, created, updated
