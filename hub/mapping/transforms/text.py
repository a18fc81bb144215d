"""Text transforms: case, whitespace, names, joining and splitting."""

from __future__ import annotations

from typing import Any

from hub.mapping.registry import TransformValueError

__all__ = ["first", "join", "lower", "split", "split_name", "strip", "title", "to_string", "upper"]


def strip(value: str) -> str | None:
    """Trim surrounding whitespace; an empty result becomes ``None``."""
    return value.strip() or None


def lower(value: str) -> str:
    """Lower-case."""
    return value.lower()


def upper(value: str) -> str:
    """Upper-case."""
    return value.upper()


def title(value: str) -> str:
    """Title-case each word (``ada LOVELACE`` → ``Ada Lovelace``)."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in value.split(" "))


def split_name(value: str, *, part: str = "given") -> str | None:
    """Split a full name: ``given`` is all but the last word, ``family`` the last word.

    A single word is a given name (its family part is ``None``).
    """
    if part not in ("given", "family"):
        raise TransformValueError("part must be 'given' or 'family'")
    words = value.split()
    if not words:
        return None
    if len(words) == 1:
        return words[0] if part == "given" else None
    return " ".join(words[:-1]) if part == "given" else words[-1]


def join(value: list[Any], *, sep: str = ";") -> str | None:
    """Join list items (skipping empty ones) with ``sep``; an empty list becomes ``None``."""
    parts = [str(v) for v in value if v not in (None, "")]
    return sep.join(parts) if parts else None


def split(value: str, *, sep: str = ";") -> list[str]:
    """Split on ``sep``, trimming items and dropping empty ones."""
    return [part.strip() for part in value.split(sep) if part.strip()]


def first(value: list[Any]) -> Any:
    """The first item of a list, or ``None`` when empty."""
    return value[0] if value else None


def to_string(value: Any) -> str:
    """Render as text; booleans as ``true``/``false`` (HubSpot's convention), whole floats bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        raise TransformValueError("cannot render an object or list as text")
    return str(value)
