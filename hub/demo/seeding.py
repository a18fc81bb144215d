"""Make the two systems share people, the way real recruiting data does.

The emulators seed their own people (each with its own duplicates and variations). The demo then
copies a share of the ATS's candidates into the CRM as contacts, each with a realistic variation
of the address (Gmail dots, a ``+tag``, capitals), as if a marketer had met them first.
"""

from __future__ import annotations

import random
from typing import Any

import httpx

__all__ = ["vary_email", "share_people"]


def vary_email(address: str, rng: random.Random) -> str:
    """The same inbox written differently (Gmail ignores dots and +tags; case never matters)."""
    local, _, domain = address.partition("@")
    if domain in ("gmail.com", "googlemail.com"):
        choice = rng.randrange(3)
        if choice == 0:
            local = local.replace(".", "")
        elif choice == 1:
            local = f"{local}+jobs"
        else:
            local = ".".join(local.replace(".", ""))
    return f"{local}@{domain}".upper() if rng.random() < 0.3 else f"{local}@{domain}"


def share_people(
    *, candidates: list[dict[str, Any]], hubspot_url: str, share: float, seed: int
) -> int:
    """Create CRM contacts for ``share`` of the candidates; return how many were created."""
    rng = random.Random(seed)
    chosen = [c for c in candidates if c.get("email_addresses") and rng.random() < share]
    with httpx.Client(base_url=hubspot_url, timeout=30) as client:
        for candidate in chosen:
            email = vary_email(candidate["email_addresses"][0]["value"], rng)
            properties = {
                "firstname": candidate.get("first_name") or "",
                "lastname": candidate.get("last_name") or "",
                "email": email,
                "company": candidate.get("company") or "",
                "lifecyclestage": "lead",
            }
            client.post("/_emulator/contacts", json={"properties": properties}).raise_for_status()
    return len(chosen)
