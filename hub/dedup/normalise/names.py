"""Person names: folding, particles, honorifics, and nicknames (Bob ↔ Robert) from a data table."""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources

from hub.dedup.normalise.text import words

# Lower-case particles that some records keep and others drop ("van der Berg" / "Berg").
PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "do", "du",
     "la", "le", "ter", "ten", "al", "el", "bin", "ibn", "mac", "st", "zu", "y"}
)  # fmt: skip
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"})
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba", "cpa"})


@cache
def nickname_table() -> dict[str, tuple[str, ...]]:
    """The shipped nickname table: each name or nickname → the formal names it may stand for.

    Returns:
        A mapping from a folded name to its formal names (a formal name maps to itself).
    """
    table: dict[str, list[str]] = {}
    text = resources.files("hub.dedup").joinpath("data/nicknames.csv").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        canonical, *nicknames = (part.strip() for part in line.split(","))
        for name in (canonical, *nicknames):
            bucket = table.setdefault(name, [])
            if canonical not in bucket:
                bucket.append(canonical)
    return {name: tuple(formal) for name, formal in table.items()}


@lru_cache(maxsize=1 << 16)
def normalise_given_name(raw: str) -> tuple[str, ...]:
    """Normalise a given name to its folded form plus every formal name it may be short for.

    ``"Bob"`` → ``("bob", "robert")``; ``"Chris"`` → ``("chris", "christina", "christine",
    "christopher")``. Honorifics are dropped; only the first name is used because middle names
    come and go between systems.

    Args:
        raw: The given name as typed.

    Returns:
        The folded first name followed by its formal forms, or ``()`` if empty.
    """
    # Hyphenated given names are one name ("Jean-Luc" = "Jeanluc"), unlike family names.
    tokens = [t for t in words(raw.replace("-", "")) if t not in HONORIFICS]
    if not tokens:
        return ()
    first = tokens[0]
    formal = nickname_table().get(first, ())
    return (first, *sorted(f for f in formal if f != first))


@lru_cache(maxsize=1 << 16)
def normalise_family_name(raw: str) -> tuple[str, ...]:
    """Normalise a family name: particles, generational suffixes and spacing removed.

    ``"van der Berg"``, ``"Berg"`` → ``"berg"``; ``"O'Brien"`` → ``"obrien"``;
    ``"García-López"`` → ``"garcialopez"``.

    Args:
        raw: The family name as typed.

    Returns:
        One normalised value, or ``()`` if empty.
    """
    # A part that is the whole name ("Von", "Ii") is the name, not a particle or suffix.
    every = words(raw)
    tokens = [t for t in every if t not in SUFFIXES] or every
    core = [t for t in tokens if t not in PARTICLES] or tokens
    result = "".join(core)
    return (result,) if result else ()
