"""Raw records → normalised records: one tuple of normalised values per configured field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial

from hub.dedup.normalise import (
    normalise_company,
    normalise_email,
    normalise_family_name,
    normalise_github,
    normalise_given_name,
    normalise_linkedin,
    normalise_phone,
    normalise_text,
)
from hub.dedup.normalise.email import AGENCY_DOMAINS
from hub.dedup.spec import MatchSpec
from hub.models.person import Person

Values = tuple[str, ...]
NormRecord = tuple[Values, ...]
RawValue = str | Sequence[str] | None
Normalise = Callable[[str], Values]


def _none(raw: str) -> Values:
    text = raw.strip()
    return (text,) if text else ()


def _date(raw: str) -> Values:
    """ISO ``YYYY-MM-DD`` from ``YYYY-MM-DD``, ``YYYYMMDD``, ``YYYY/MM/DD`` or ``DD.MM.YYYY``."""
    digits = re.findall(r"\d+", raw)
    try:
        if len(digits) == 1 and len(digits[0]) == 8:
            d = digits[0]
            return (date(int(d[:4]), int(d[4:6]), int(d[6:])).isoformat(),)
        if len(digits) == 3:
            first, second, third = (int(x) for x in digits)
            if len(digits[0]) == 4:
                return (date(first, second, third).isoformat(),)
            return (date(third, second, first).isoformat(),)
    except ValueError:
        return ()
    return ()


def _numeric(raw: str) -> Values:
    try:
        return (repr(float(raw.strip().replace(",", ""))),)
    except ValueError:
        return ()


def _many(cells: Sequence[str], normalise: Normalise, split: str | None) -> Values:
    """The distinct normalised values of several cells (each split on ``split``)."""
    if split:
        cells = [part for cell in cells for part in cell.split(split)]
    values: list[str] = []
    for cell in cells:
        if cell and not cell.isspace():
            values.extend(v for v in normalise(cell) if v not in values)
    return tuple(values)


class RecordNormaliser:
    """Normalises raw field values with each field's configured normaliser.

    Args:
        spec: The match spec.
    """

    def __init__(self, spec: MatchSpec) -> None:
        agency = AGENCY_DOMAINS | {d.lower() for d in spec.weak_email_domains}
        table: dict[str, Normalise] = {
            "none": _none,
            "text": normalise_text,
            "email": partial(normalise_email, agency_domains=agency),
            "phone": partial(normalise_phone, region=spec.default_region),
            "linkedin": normalise_linkedin,
            "github": normalise_github,
            "given_name": normalise_given_name,
            "family_name": normalise_family_name,
            "company": normalise_company,
            "date": _date,
            "numeric": _numeric,
        }
        self.field_names: tuple[str, ...] = tuple(spec.fields)
        self._steps = [(name, table[f.normalise], f.split) for name, f in spec.fields.items()]

    def normalise(self, fields: Mapping[str, RawValue]) -> NormRecord:
        """Normalise one record given as ``field name → raw value(s)``.

        Args:
            fields: Raw values by field name; missing fields count as empty.

        Returns:
            One tuple of distinct normalised values per configured field, in spec order.
        """
        out: list[Values] = []
        append, get = out.append, fields.get
        for name, normalise, split in self._steps:
            raw = get(name)
            if not raw:
                append(())
                continue
            # One cell holding one value is the common case: no splitting, no de-duplication.
            if isinstance(raw, str):
                cell = raw
            elif len(raw) == 1:
                cell = raw[0]
            else:
                append(_many(raw, normalise, split))
                continue
            if split and split in cell:
                append(_many((cell,), normalise, split))
            elif cell and not cell.isspace():
                append(normalise(cell))
            else:
                append(())
        return tuple(out)


def fields_from_row(row: Mapping[str, str | None], spec: MatchSpec) -> dict[str, list[str]]:
    """Gather a flat row's columns into field values, as configured by ``columns``.

    Args:
        row: One input row (CSV header → cell).
        spec: The match spec.

    Returns:
        Field name → the non-empty cells of its columns.
    """
    get = row.get
    return {
        name: [cell for column in field.columns if (cell := get(column))]
        for name, field in spec.fields.items()
    }


def person_fields(person: Person) -> dict[str, list[str]]:
    """The canonical person as raw field values for the shipped ``match.persons.yaml`` fields.

    Args:
        person: A canonical person.

    Returns:
        Field name → raw values (``email``, ``phone``, ``linkedin``, ``github``, ``given_name``,
        ``family_name``, ``company``).
    """

    def links(kind: str) -> list[str]:
        return [link.url for link in person.links if link.kind == kind]

    return {
        "email": [email.address for email in person.emails],
        "phone": [phone.number for phone in person.phones],
        "linkedin": links("linkedin"),
        "github": links("github"),
        "given_name": [person.given_name] if person.given_name else [],
        "family_name": [person.family_name] if person.family_name else [],
        "company": [person.company] if person.company else [],
    }
