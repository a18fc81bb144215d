"""Unicode folding shared by every text normaliser."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that NFKD does not decompose into base letter + mark, folded the way people type them
# on a plain keyboard.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "þ": "th",
        "Þ": "th",
        "\u0131": "i",  # dotless i
    }
)
_WORD = re.compile(r"[^\W_]+")
# Apostrophes (ASCII, typographic, modifier letter, grave, acute) join a name (O'Brien);
# every other punctuation separates words.
_APOSTROPHES = re.compile("['\u2019\u02bc`\u00b4]")


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Fold case, compatibility forms and diacritics: ``"Zoë Ørsted"`` → ``"zoe orsted"``.

    Args:
        text: Any text.

    Returns:
        The folded text (whitespace and punctuation kept).
    """
    if text.isascii():
        return text.lower()  # casefold() equals lower() on ASCII, and there is nothing to strip
    # Case-fold before the table so that upper-case forms (Ð, Ø) reach it folded too.
    text = unicodedata.normalize("NFKC", text).casefold().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Split folded text into words, joining across apostrophes.

    Args:
        text: Raw text.

    Returns:
        The folded words, in order.
    """
    return _WORD.findall(_APOSTROPHES.sub("", fold(text)))


def normalise_text(raw: str) -> tuple[str, ...]:
    """Fold and collapse punctuation/whitespace: the generic normaliser for free text.

    Args:
        raw: The raw value.

    Returns:
        One normalised value, or none if nothing is left.
    """
    text = " ".join(words(raw))
    return (text,) if text else ()
