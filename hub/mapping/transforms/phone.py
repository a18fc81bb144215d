"""Phone numbers to E.164 with the ``phonenumbers`` library."""

from __future__ import annotations

import re

import phonenumbers

__all__ = ["phone_e164"]

# Already E.164: parsing (about 50 µs) would give the same text back, and numbers the hub wrote
# come back in this form on every sync.
_E164 = re.compile(r"\+[1-9]\d{6,14}")
# A ten-digit US number in the usual layouts (``(415) 555 0123``, ``+1 415-555-0123``,
# ``4155550123``). For region US, phonenumbers always gives ``+1`` and the ten digits for these
# (the area code cannot start with the 0 or 1 it would strip), so the parse is skipped;
# tests/mapping check this against phonenumbers itself.
_US_TEN_DIGITS = re.compile(r"(?:\+1 ?)?(?:\((\d{3})\) ?|(\d{3})[ .-]?)(\d{3})[ .-]?(\d{4})")


def phone_e164(value: str, *, region: str = "US") -> str | None:
    """Format a phone number as E.164 (``+15555555555``), reading national numbers in ``region``.

    A number that cannot be parsed keeps its (trimmed) text, as the canonical model allows:
    losing a number the vendor accepted would be worse than keeping its odd format. Text that
    is already E.164 is returned as it is.
    """
    text = value.strip()
    if not text:
        return None
    if _E164.fullmatch(text):
        return text
    us = _US_TEN_DIGITS.fullmatch(text) if region.upper() == "US" else None
    if us is not None:
        area = us[1] or us[2]
        if area[0] not in "01":
            return f"+1{area}{us[3]}{us[4]}"
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
