"""Phone numbers to E.164 (extensions kept apart) with the ``phonenumbers`` library."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A parsed phone number.

    Attributes:
        e164: The number in E.164 form (``+442079460958``).
        extension: The extension, if one was given; never part of the identity.
    """

    e164: str
    extension: str | None = None


_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*(\d{1,7})\s*$", re.IGNORECASE)
_FORMATTING = re.compile(r"[\s().\-/]")
_NANP = re.compile(r"\+?1?([2-9]\d{2}[2-9]\d{6})")
_NANP_REGIONS = frozenset({"US", "CA"})


def parse_phone(raw: str, *, region: str = "US") -> PhoneNumber | None:
    """Parse a phone number written in any common national or international form.

    Args:
        raw: The number as typed (``"(415) 555-0132 ext. 12"``, ``"0044 20 7946 0958"``).
        region: ISO 3166 region assumed for numbers written without a country code.

    Returns:
        The parsed number, or ``None`` if it is not a possible number.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    extension = None
    if match := _EXTENSION.search(text):
        text, extension = text[: match.start()], match[1]
    if "(0)" not in text:
        # Formatting characters carry no meaning (except a bracketed trunk "0"), so one
        # cached parse serves every way of writing the same number.
        text = _FORMATTING.sub("", text)
    parsed = _parse_number(text, region.upper())
    if parsed is None:
        return None
    return PhoneNumber(e164=parsed, extension=extension)


# Bounded well below a large sync's contact count: a sync process must not grow with the
# number of people it has seen (at 1 << 18 it held 7 MB after a 31k-contact sync, and growing).
@lru_cache(maxsize=1 << 16)
def _parse_number(text: str, region: str) -> str | None:
    if text.startswith("00"):
        # "00" is the international prefix almost everywhere outside North America.
        text = "+" + text[2:]
    nanp = _NANP.fullmatch(text)
    if nanp and (text.startswith("+1") or (region in _NANP_REGIONS and not text.startswith("+"))):
        # North American numbers are +1 and ten digits; phonenumbers is slow at this.
        return "+1" + nanp[1]
    if sum(c.isdigit() for c in text) < 6:
        return None
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    e164: str = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164


def normalise_phone(raw: str, *, region: str = "US") -> tuple[str, ...]:
    """Normalise a phone number to its E.164 form, dropping any extension.

    Args:
        raw: The number as typed.
        region: Region assumed for national numbers.

    Returns:
        ``(e164,)``, or ``()`` if the text is not a possible phone number.
    """
    parsed = parse_phone(raw, region=region)
    return (parsed.e164,) if parsed else ()
