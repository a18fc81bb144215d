"""Phone numbers to E.164 with the ``phonenumbers`` library."""

from __future__ import annotations

import re

import phonenumbers

__all__ = ["phone_e164"]

# Already E.164: parsing (about 50 µs) would give the same text back, and numbers the hub wrote
# come back in this form on every sync.
_E164 = re.compile(r"\+[1-9]\d{6,14}")


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
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
