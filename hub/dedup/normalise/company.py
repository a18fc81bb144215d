"""Company names: legal suffixes, punctuation and a leading "the" removed."""

from __future__ import annotations

from functools import lru_cache

from hub.dedup.normalise.text import fold, words

# Legal-form words, compared after folding and with dots removed ("S.A." → "sa").
LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "plc", "corp",
        "corporation", "co", "company", "gmbh", "ag", "kg", "ug", "sa", "sas", "sarl", "srl",
        "spa", "bv", "nv", "ab", "as", "asa", "oy", "oyj", "aps", "kk", "pte", "pty", "pvt",
        "sl", "sro", "zoo", "se", "lda", "ltda", "bhd", "sdn", "holdings", "group",
    }
)  # fmt: skip


@lru_cache(maxsize=1 << 16)
def normalise_company(raw: str) -> tuple[str, ...]:
    """Normalise an employer name: ``"The Acme Co., Inc."`` → ``"acme"``.

    Args:
        raw: The company name as typed.

    Returns:
        One normalised value, or ``()`` if nothing distinctive is left.
    """
    # Dots inside abbreviations ("S.A.", "B.V.") must not split the legal form into letters.
    text = fold(raw).replace(".", "").replace("&", " and ")
    tokens = words(text)
    if tokens and tokens[0] == "the":
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    result = " ".join(tokens)
    return (result,) if result else ()
