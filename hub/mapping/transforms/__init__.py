"""The built-in transforms, registered in the same registry as plugin transforms."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hub.mapping.registry import TransformRegistry
from hub.mapping.transforms import dates, phone, text, urls, values

__all__ = ["builtin_registry", "register_builtin_transforms"]

_NUMERIC = (str, int, float)
_SCALAR = (str, int, float, bool)

# name, function, accepts, returns, description
_BUILTINS: tuple[tuple[str, Any, tuple[type, ...], type | None, str], ...] = (
    ("strip", text.strip, (str,), str, "trim whitespace; empty becomes null"),
    ("lower", text.lower, (str,), str, "lower-case"),
    ("upper", text.upper, (str,), str, "upper-case"),
    ("title", text.title, (str,), str, "title-case each word"),
    ("split_name", text.split_name, (str,), str, "part of a full name: part=given|family"),
    ("join", text.join, (list,), str, "join a list with sep (default ';')"),
    ("split", text.split, (str,), list, "split text on sep (default ';') into a list"),
    ("first", text.first, (list,), None, "first item of a list"),
    ("to_string", text.to_string, _SCALAR, str, "render as text (booleans as true/false)"),
    ("to_bool", values.to_bool, (str, bool, int), bool, "coerce true/yes/1 and false/no/0"),
    ("not", values.negate, (bool,), bool, "logical not"),
    ("to_int", values.to_int, _NUMERIC, int, "coerce to a whole number"),
    ("to_float", values.to_float, _NUMERIC, float, "coerce to a number"),
    ("default", values.default, (), None, "replace null/empty with fallback"),
    ("map", values.map_value, _SCALAR, None, "look up in a value table (default required)"),
    ("phone_e164", phone.phone_e164, (str,), str, "phone number to E.164 (region=US)"),
    ("canonical_url", urls.canonical_url, (str,), str, "https, lower-case host, no slash"),
    ("link_kind", urls.link_kind, (str,), str, "linkedin|github|twitter|website of a URL"),
    ("parse_datetime", dates.parse_datetime, (str, int), datetime, "ISO-8601/epoch ms"),
    ("format_datetime", dates.format_datetime, (datetime, str), str, "format=iso|epoch_ms|…"),
    ("parse_date", dates.parse_date, (str, int), date, "YYYY-MM-DD, ISO datetime or epoch ms"),
    ("format_date", dates.format_date, (date, str), str, "format=%Y-%m-%d|epoch_ms|…"),
)


def register_builtin_transforms(registry: TransformRegistry) -> None:
    """Add the hub's built-in transforms to ``registry``.

    Args:
        registry: The registry to fill.
    """
    for name, func, accepts, returns, description in _BUILTINS:
        registry.add(name, func, accepts=accepts, returns=returns, description=description)


def builtin_registry(extra: TransformRegistry | None = None) -> TransformRegistry:
    """A registry holding the built-ins, plus ``extra`` (e.g. ``HubPlugins.transforms``).

    Args:
        extra: Transforms registered by plugins through ``hub_register_transforms``.

    Raises:
        ConfigError: When a plugin reuses a built-in's name.
    """
    registry = TransformRegistry()
    register_builtin_transforms(registry)
    if extra is not None:
        registry.update(extra)
    return registry
