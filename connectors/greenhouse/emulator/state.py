"""The emulator's in-memory Greenhouse: tables of v3-shaped records, listing and filters."""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

__all__ = [
    "TABLES",
    "EmulatorError",
    "EmulatorState",
    "ListQuery",
    "decode_cursor",
    "encode_cursor",
    "harvest_now",
]

Record = dict[str, Any]
TABLES = (
    "candidates",
    "applications",
    "jobs",
    "job_interview_stages",
    "rejection_reasons",
    "users",
    "notes",
    "prospect_pools",
)
OPERATORS = ("gte", "gt", "lte", "lt")


def harvest_now(clock: Callable[[], datetime]) -> str:
    """The clock's time in Harvest's fixed-width form, so strings compare like times."""
    return clock().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EmulatorError(Exception):
    """A request the emulated Greenhouse refuses, with its status and error body.

    Args:
        status: HTTP status.
        message: The top-level message.
        errors: ``(field, message)`` pairs; ``field`` may be empty for state errors.
    """

    def __init__(self, status: int, message: str, errors: Iterable[tuple[str, str]] = ()) -> None:
        self.status = status
        self.message = message
        self.errors = list(errors)
        super().__init__(message)

    def body(self) -> dict[str, Any]:
        """Greenhouse's error body: ``{"message", "errors": [{"message", "field"}]}``."""
        items = [{"message": m, "field": f} if f else {"message": m} for f, m in self.errors]
        return {"message": self.message, "errors": items}


def invalid(field_name: str, message: str) -> EmulatorError:
    """A 422 validation error about one field."""
    return EmulatorError(422, "Validation error", [(field_name, message)])


@dataclass(frozen=True)
class ListQuery:
    """A validated list request: the filters of the first page plus where paging stands."""

    table: str
    filters: tuple[tuple[str, str], ...]
    per_page: int
    after_id: int = 0


def encode_cursor(query: ListQuery) -> str:
    """An opaque, URL-safe cursor carrying the whole query (so it outlives any token)."""
    raw = json.dumps([query.table, list(query.filters), query.per_page, query.after_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, table: str) -> ListQuery:
    """Read a cursor back; a foreign or damaged one is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, filters, per_page, after_id = json.loads(base64.urlsafe_b64decode(padded))
        query = ListQuery(name, tuple((str(k), str(v)) for k, v in filters), per_page, after_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise invalid("cursor", "Invalid cursor") from exc
    if query.table != table:
        raise invalid("cursor", "Cursor belongs to another endpoint")
    return query


def _time_filter(value: str, name: str) -> tuple[str, str]:
    op, sep, raw = value.partition("|")
    if not sep or op not in OPERATORS:
        raise invalid(name, f"Must be '<op>|<ISO-8601>' with op one of {', '.join(OPERATORS)}")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid(name, "Must be an ISO-8601 timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return op, harvest_now(lambda: moment)


def _id_set(value: str, name: str) -> set[int]:
    try:
        return {int(part) for part in value.split(",") if part.strip()}
    except ValueError:
        raise invalid(name, "Must be a comma-separated list of ids") from None


def build_predicate(filters: Iterable[tuple[str, str]]) -> Callable[[Record], bool]:
    """Compile filters into one predicate; bad filter values are 422s."""
    checks: list[Callable[[Record], bool]] = []
    for name, value in filters:
        if name in ("created_at", "updated_at"):
            op, moment = _time_filter(value, name)
            checks.append(_compare(name, op, moment))
        elif name in ("ids", "candidate_ids", "job_ids"):
            checks.append(partial(_parent_in, key=name[:-1], wanted=_id_set(value, name)))
        elif name == "status":
            checks.append(partial(_value_in, key="status", wanted=set(value.split(","))))
        elif name == "prospect":
            checks.append(partial(_value_in, key="prospect", wanted={value.lower() == "true"}))
    return lambda record: all(check(record) for check in checks)


def _value_in(record: Record, *, key: str, wanted: set[Any]) -> bool:
    return record.get(key) in wanted


def _parent_in(record: Record, *, key: str, wanted: set[int]) -> bool:
    if key == "job_id" and "job_ids" in record:
        return bool(wanted.intersection(record["job_ids"]))
    return record.get(key) in wanted


def _compare(name: str, op: str, moment: str) -> Callable[[Record], bool]:
    if op == "gte":
        return lambda r: bool(r[name] >= moment)
    if op == "gt":
        return lambda r: bool(r[name] > moment)
    if op == "lte":
        return lambda r: bool(r[name] <= moment)
    return lambda r: bool(r[name] < moment)


@dataclass
class EmulatorState:
    """All records, by table and id. Ids only grow, so dict order is id order.

    Attributes:
        clock: Wall clock for ``created_at``/``updated_at``.
        tables: Table name → id → record.
        hidden: Candidate id → list reads it stays invisible (a create not yet readable).
    """

    clock: Callable[[], datetime]
    tables: dict[str, dict[int, Record]] = field(default_factory=lambda: {t: {} for t in TABLES})
    hidden: dict[int, int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _last_id: int = 1000

    def new_id(self) -> int:
        """A fresh id, larger than every id so far."""
        self._last_id += 1
        return self._last_id

    def now(self) -> str:
        """The current time in Harvest's form."""
        return harvest_now(self.clock)

    def get(self, table: str, record_id: int, *, what: str) -> Record:
        """One record, or a 404 naming the resource (``Candidate 12``)."""
        record = self.tables[table].get(record_id)
        if record is None:
            raise EmulatorError(404, f"{what} {record_id} not found")
        return record

    def page(self, query: ListQuery) -> tuple[list[Record], int | None]:
        """One page of ``query``; the second value is the id to continue after, if any."""
        keep = build_predicate(query.filters)
        out: list[Record] = []
        with self.lock:
            for record_id, record in self.tables[query.table].items():
                if record_id <= query.after_id or not keep(record):
                    continue
                if query.table == "candidates" and self.hidden.get(record_id, 0) > 0:
                    self.hidden[record_id] -= 1
                    continue
                if len(out) == query.per_page:
                    return out, out[-1]["id"]
                out.append(dict(record))
        return out, None

    def counts(self) -> dict[str, int]:
        """Records per table, and applications per status."""
        with self.lock:
            counts = {table: len(rows) for table, rows in self.tables.items()}
            for app in self.tables["applications"].values():
                key = f"applications_{app['status']}"
                counts[key] = counts.get(key, 0) + 1
            counts["prospects"] = sum(
                1 for a in self.tables["applications"].values() if a["prospect"]
            )
        return counts
