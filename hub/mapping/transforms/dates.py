"""Dates and datetimes: parsing vendor text (ISO-8601 or epoch milliseconds) and formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.mapping.registry import TransformValueError

__all__ = ["format_date", "format_datetime", "parse_date", "parse_datetime"]


def _from_epoch_ms(text: str) -> datetime:
    return datetime.fromtimestamp(int(text) / 1000, tz=UTC)


def parse_datetime(value: str | int) -> datetime:
    """Parse an ISO-8601 datetime or epoch milliseconds into an aware UTC datetime.

    A datetime without a zone is taken as UTC (vendors send UTC).
    """
    text = str(value).strip()
    try:
        if text.lstrip("-").isdigit():
            return _from_epoch_ms(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise TransformValueError("not an ISO-8601 datetime or epoch milliseconds") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime | str, *, format: str = "iso") -> str:
    """Format a datetime: ``iso`` (``2017-09-27T12:03:02.728Z``), ``epoch_ms`` or strftime."""
    moment = value if isinstance(value, datetime) else parse_datetime(value)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    if format == "iso":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if format == "epoch_ms":
        return str(int(moment.timestamp() * 1000))
    return moment.strftime(format)


def parse_date(value: str | int) -> date:
    """Parse a date: ``YYYY-MM-DD``, an ISO datetime (its UTC date) or epoch milliseconds."""
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_datetime(text).date()


def format_date(value: date | str, *, format: str = "%Y-%m-%d") -> str:
    """Format a date (or an ISO date/datetime text); ``epoch_ms`` gives midnight UTC in ms."""
    day = value if isinstance(value, date) else parse_date(value)
    if isinstance(day, datetime):
        day = day.date()
    if format == "epoch_ms":
        return str(int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000))
    return day.strftime(format)
