"""HubSpot property values are strings on the wire; this converts them both ways.

HubSpot's conventions: a ``date`` property is midnight UTC as epoch milliseconds, a
``datetime`` is epoch milliseconds or ISO-8601, booleans are ``"true"``/``"false"``, numbers are
decimal strings, multi-select values are joined with ``;`` and ``""`` clears a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "decode_properties",
    "decode_value",
    "encode_properties",
    "encode_value",
    "epoch_ms",
    "from_epoch_ms",
    "parse_datetime",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WireValue = str
Decoded = str | bool | int | float | date | datetime | list[str] | None


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_epoch_ms(ms: int) -> datetime:
    """The aware UTC datetime of an epoch-milliseconds value."""
    return EPOCH + timedelta(milliseconds=ms)


def parse_datetime(value: str) -> datetime:
    """Parse a HubSpot datetime: epoch milliseconds or ISO-8601 (``Z`` allowed).

    Raises:
        ValueError: When the value is neither.
    """
    text = value.strip()
    if text.lstrip("-").isdigit():
        return from_epoch_ms(int(text))
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def encode_value(value: Any) -> WireValue:
    """Turn a Python value into HubSpot's string form.

    ``None`` clears (``""``); a ``date`` becomes midnight UTC in epoch ms; a ``datetime``
    becomes epoch ms; iterables of strings become a ``;``-joined multi-select value.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(epoch_ms(value))
    if isinstance(value, date):
        return str(epoch_ms(datetime.combine(value, time(), tzinfo=UTC)))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ";".join(str(item) for item in value)
    return str(value)


def encode_properties(properties: Mapping[str, Any]) -> dict[str, str]:
    """Encode every value of a property map for the wire."""
    return {name: encode_value(value) for name, value in properties.items()}


def decode_value(raw: str | None, prop_type: str, *, field_type: str = "") -> Decoded:
    """Turn a wire string into a Python value according to the property's HubSpot type.

    Args:
        raw: The string HubSpot returned (``None`` or ``""`` mean unset).
        prop_type: The property's ``type`` (``bool``, ``number``, ``date``, ``datetime``, …).
        field_type: The property's ``fieldType``; ``checkbox`` enumerations are multi-select.

    Raises:
        ValueError: When the string does not fit the type.
    """
    if raw is None or raw == "":
        return None
    if prop_type == "bool":
        if raw.lower() not in {"true", "false"}:
            raise ValueError(f"not a HubSpot boolean: {raw!r}")
        return raw.lower() == "true"
    if prop_type == "number":
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"not a HubSpot number: {raw!r}") from None
        return int(number) if number == number.to_integral_value() else float(number)
    if prop_type == "date":
        return parse_datetime(raw).date()
    if prop_type == "datetime":
        return parse_datetime(raw)
    if prop_type == "enumeration" and field_type == "checkbox":
        return [part for part in raw.split(";") if part]
    return raw


def decode_properties(
    properties: Mapping[str, str | None], definitions: Mapping[str, Mapping[str, Any]]
) -> dict[str, Decoded]:
    """Decode a record's properties with their definitions; unknown names stay strings."""
    decoded: dict[str, Decoded] = {}
    for name, raw in properties.items():
        spec = definitions.get(name, {})
        decoded[name] = decode_value(
            raw, str(spec.get("type", "string")), field_type=str(spec.get("fieldType", ""))
        )
    return decoded
