"""Normalisers: turn the many ways people write an identifier into one comparable form.

Every normaliser is pure and returns a tuple of strings (empty when the input is unusable), so
that multi-valued fields (several emails, a name with its nickname forms) compare uniformly.
"""

from __future__ import annotations

from hub.dedup.normalise.company import normalise_company
from hub.dedup.normalise.email import WEAK_MARK, is_weak_value, normalise_email
from hub.dedup.normalise.names import normalise_family_name, normalise_given_name
from hub.dedup.normalise.phone import PhoneNumber, normalise_phone, parse_phone
from hub.dedup.normalise.profiles import normalise_github, normalise_linkedin
from hub.dedup.normalise.text import fold, normalise_text

__all__ = [
    "WEAK_MARK",
    "PhoneNumber",
    "fold",
    "is_weak_value",
    "normalise_company",
    "normalise_email",
    "normalise_family_name",
    "normalise_github",
    "normalise_given_name",
    "normalise_linkedin",
    "normalise_phone",
    "normalise_text",
    "parse_phone",
]
