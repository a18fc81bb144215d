"""The emulator's search: filterGroups, one sort, the 200 limit and the 10,000 cap.

Windows on ``lastmodifieddate`` (and ``hs_object_id`` inside one millisecond) are answered
from the sorted (lastmodifieddate, id) index by bisection; other filters are checked per
candidate. Records changed within the indexing lag are not visible yet.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from connectors.hubspot.emulator.errors import ApiError
from connectors.hubspot.emulator.store import Contact, ContactStore
from connectors.hubspot.values import epoch_ms, parse_datetime

__all__ = ["SEARCH_CAP", "run_search"]

SEARCH_CAP = 10_000
MAX_LIMIT = 200
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25
NUMERIC = {"number", "datetime", "date"}
BIG = 2**62
JSON = dict[str, Any]


def _value(contact: Contact, name: str) -> str | None:
    if name == "hs_object_id":
        return str(contact.id)
    if name == "lastmodifieddate":
        return str(contact.updated_ms)
    if name == "createdate":
        return str(contact.created_ms)
    return contact.properties.get(name)


def _number(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        return float(epoch_ms(parse_datetime(raw)))


def _matches(contact: Contact, flt: Mapping[str, Any], numeric: bool) -> bool:
    op = flt.get("operator", "EQ")
    actual = _value(contact, flt["propertyName"])
    if op == "HAS_PROPERTY":
        return bool(actual)
    if op == "NOT_HAS_PROPERTY":
        return not actual
    if op in {"IN", "NOT_IN"}:
        values = {str(v).lower() for v in flt.get("values") or []}
        return bool(((actual or "").lower() in values) == (op == "IN"))
    if op in {"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}:
        token = str(flt.get("value", "")).lower().strip("*")
        return bool((token in (actual or "").lower()) == (op == "CONTAINS_TOKEN"))
    if actual is None or actual == "":
        return bool(op == "NEQ")
    high = str(flt.get("highValue", ""))
    if numeric:
        return _compare(
            op, _number(actual), _number(str(flt.get("value", ""))), high=_number(high or "0")
        )
    return _compare(op, actual.lower(), str(flt.get("value", "")).lower(), high=high.lower())


def _compare(op: str, left: Any, right: Any, *, high: Any) -> bool:
    checks = {
        "EQ": lambda: left == right,
        "NEQ": lambda: left != right,
        "LT": lambda: left < right,
        "LTE": lambda: left <= right,
        "GT": lambda: left > right,
        "GTE": lambda: left >= right,
        "BETWEEN": lambda: right <= left <= high,
    }
    if op not in checks:
        raise ApiError(400, "VALIDATION_ERROR", message=f"Unknown filter operator {op}")
    return bool(checks[op]())


_RANGE_OPS = {"GTE", "GT", "LTE", "LT", "EQ", "BETWEEN"}


def _window(filters: list[JSON]) -> tuple[tuple[int, int], tuple[int, int], list[JSON]]:
    """Index bounds implied by the filters, and the filters the bounds do not cover.

    ``lastmodifieddate`` ranges map onto the (lastmodifieddate, id) index; inside a single
    millisecond an ``hs_object_id`` lower bound does too.
    """
    low, high = -BIG, BIG
    rest: list[JSON] = []
    for flt in filters:
        op = flt.get("operator")
        if flt.get("propertyName") != "lastmodifieddate" or op not in _RANGE_OPS:
            rest.append(flt)
            continue
        value = int(_number(str(flt.get("value", "0"))))
        if op in {"GTE", "EQ", "BETWEEN"}:
            low = max(low, value)
        if op == "GT":
            low = max(low, value + 1)
        if op in {"LTE", "EQ"}:
            high = min(high, value)
        if op == "LT":
            high = min(high, value - 1)
        if op == "BETWEEN":
            high = min(high, int(_number(str(flt.get("highValue", BIG)))))
    first_id = 0
    if low == high:
        for flt in list(rest):
            if flt.get("propertyName") == "hs_object_id" and flt.get("operator") in {"GT", "GTE"}:
                first_id = max(first_id, int(flt["value"]) + (1 if flt["operator"] == "GT" else 0))
                rest.remove(flt)
    return (low, first_id), (high, BIG), rest


def _candidates(store: ContactStore, filters: list[JSON]) -> tuple[list[Contact], list[JSON]]:
    low, high, rest = _window(filters)
    start = bisect.bisect_left(store.modified, low)
    stop = bisect.bisect_right(store.modified, high)
    contacts = store.contacts
    return [contacts[cid] for _, cid in store.modified[start:stop]], rest


def _validate(body: Mapping[str, Any]) -> tuple[int, int, list[JSON]]:
    limit = int(body.get("limit", 10))
    after = int(body.get("after") or 0)
    groups = list(body.get("filterGroups") or [])
    if limit > MAX_LIMIT:
        raise ApiError(400, "VALIDATION_ERROR", message=f"limit must be at most {MAX_LIMIT}")
    if after + limit > SEARCH_CAP:
        raise ApiError(
            400, "VALIDATION_ERROR", message=f"Search results are limited to {SEARCH_CAP} per query"
        )
    counts = [len(group.get("filters") or []) for group in groups]
    if (
        len(groups) > MAX_GROUPS
        or any(c > MAX_FILTERS_PER_GROUP for c in counts)
        or sum(counts) > MAX_FILTERS
    ):
        raise ApiError(400, "VALIDATION_ERROR", message="Too many filter groups or filters")
    return limit, after, groups


def run_search(store: ContactStore, body: Mapping[str, Any], *, now_ms: int, lag_ms: int) -> JSON:
    """Answer ``POST /crm/v3/objects/contacts/search``."""
    limit, after, groups = _validate(body)
    types = {name: spec["type"] for name, spec in store.catalog.properties.items()}
    visible_before = now_ms - lag_ms

    def keep(contact: Contact, filters: list[JSON]) -> bool:
        if lag_ms and contact.updated_ms > visible_before:
            return False
        return all(_matches(contact, f, types.get(f["propertyName"]) in NUMERIC) for f in filters)

    found: dict[int, Contact] = {}
    for group in groups or [{}]:
        candidates, rest = _candidates(store, list(group.get("filters") or []))
        if rest or lag_ms:
            candidates = [c for c in candidates if keep(c, rest)]
        if len(groups) <= 1:
            hits = candidates
            break
        found.update((c.id, c) for c in candidates)
    else:
        hits = sorted(found.values(), key=lambda c: (c.updated_ms, c.id))
    hits = _sorted(hits, body.get("sorts") or [], types)
    page = hits[after : after + limit]
    names = list(body.get("properties") or [])
    result: JSON = {"total": len(hits), "results": [c.to_json(names or None) for c in page]}
    if after + limit < len(hits):
        result["paging"] = {"next": {"after": str(after + limit)}}
    return result


def _sorted(hits: list[Contact], sorts: list[Any], types: Mapping[str, str]) -> list[Contact]:
    if not sorts:
        return hits
    sort = sorts[0]
    name = sort if isinstance(sort, str) else sort.get("propertyName", "")
    descending = isinstance(sort, dict) and sort.get("direction") == "DESCENDING"
    if name == "lastmodifieddate" and not descending:
        return hits  # candidates already come in (lastmodifieddate, id) order
    if (
        name == "hs_object_id"
        and not descending
        and len({c.updated_ms for c in hits[:1] + hits[-1:]}) <= 1
    ):
        return hits  # one millisecond of the index: already in id order
    if types.get(name) in NUMERIC:
        numbers = {c.id: _number(_value(c, name) or "0") for c in hits}
        return sorted(hits, key=lambda c: numbers[c.id], reverse=descending)
    return sorted(hits, key=lambda c: (_value(c, name) or "").lower(), reverse=descending)
