"""Value transforms: booleans, numbers, defaults and value tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.mapping.registry import TransformValueError

__all__ = ["default", "map_value", "negate", "to_bool", "to_float", "to_int"]

_NOT_FOUND = object()
_TRUE = frozenset({"true", "yes", "y", "1", "on", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "off", "f", ""})


def to_bool(value: str | bool | int) -> bool:
    """Coerce ``"true"``/``"yes"``/``1``… and ``"false"``/``"no"``/``0``/``""`` to a bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise TransformValueError("not a recognised boolean (expected true/false, yes/no, 1/0)")


def negate(value: bool) -> bool:
    """Logical not (``can_email`` → ``email_opt_out``)."""
    return not value


def to_int(value: str | int | float) -> int:
    """Coerce to an integer; a float must be whole."""
    if isinstance(value, bool):
        raise TransformValueError("a boolean is not a number")
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        raise TransformValueError("not a number") from None
    if isinstance(number, float) and not number.is_integer():
        raise TransformValueError("not a whole number")
    return int(number)


def to_float(value: str | int | float) -> float:
    """Coerce to a float."""
    if isinstance(value, bool):
        raise TransformValueError("a boolean is not a number")
    try:
        return float(value)
    except ValueError:
        raise TransformValueError("not a number") from None


def default(value: Any, *, fallback: Any) -> Any:
    """Replace a missing or empty value (``None``, ``""``, ``[]``) with ``fallback``."""
    return fallback if value in (None, "", []) else value


def map_value(value: str | int | float | bool, *, values: Mapping[str, Any], default: Any) -> Any:
    """Look a value up in a value table; values not in the table become ``default``.

    Keys are compared as text, case-insensitively, so ``Active`` and ``active`` both match, and
    a boolean matches ``true``/``false``.
    """
    key = ("true" if value else "false") if isinstance(value, bool) else str(value)
    found = values.get(key, _NOT_FOUND)
    if found is _NOT_FOUND:
        found = _lookup_folded(values, key)
    return default if found is _NOT_FOUND else found


def _lookup_folded(values: Mapping[str, Any], key: str) -> Any:
    folded = key.casefold()
    for candidate, result in values.items():
        if str(candidate).casefold() == folded:
            return result
    return _NOT_FOUND
