"""Apply the hub's WriteOps to HubSpot contacts: batched where HubSpot allows, one result each.

Actions (``WriteOp.data`` is a property map; Python values are encoded for the wire):

- ``create``, ``update``, ``upsert`` (by email): batch endpoints in chunks of ``batch_size``; a
  207 is matched back per input by ``objectWriteTraceId`` (then id or email) and an input with
  no reported outcome is returned as a retryable failure, never dropped. A create that finds the
  email taken (409 ``Existing ID``) links to the existing contact (``existed=True``).
- ``patch``: single ``PATCH`` of ``external_id``.
- ``set_lifecycle_stage``: clears ``lifecyclestage`` then sets ``data["lifecyclestage"]``, so a
  backward move is accepted.
- ``merge``: ``external_id`` is kept, ``data["objectIdToMerge"]`` is folded into it.
- ``archive`` (alias ``delete``): archive ``external_id`` (already gone counts as done).
- ``merge``: merge ``data["objectIdToMerge"]`` (or the hub's ``duplicate_id``) into
  ``external_id``; HubSpot cannot undo it.
- ``gdpr_delete``: permanently erase ``external_id`` (or ``data["email"]`` when no id).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.hubspot.client import BatchResponse, HubSpotClient
from connectors.hubspot.values import encode_properties
from hub.connector import WriteOp, WriteResult
from hub.errors import (
    ConflictError,
    ConnectorError,
    FatalError,
    NotFoundError,
    RetryableError,
)

__all__ = ["BATCH_ACTIONS", "SINGLE_ACTIONS", "apply_writes"]

log = logging.getLogger(__name__)
BATCH_ACTIONS = frozenset({"create", "update", "upsert"})
SINGLE_ACTIONS = frozenset(
    {"patch", "set_lifecycle_stage", "merge", "archive", "delete", "gdpr_delete"}
)
_EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)")
JSON = dict[str, Any]


def _properties(op: WriteOp) -> dict[str, str]:
    data: Mapping[str, Any] = op.data
    if set(data) == {"properties"} and isinstance(data["properties"], Mapping):
        data = data["properties"]
    return encode_properties(data)


def _safe(error: ConnectorError) -> str:
    """An error text with codes and field names only: HubSpot's messages may quote values."""
    fields = getattr(error, "field_errors", [])
    detail = ", ".join(f"{fe.field} ({fe.message})" for fe in fields)
    category = getattr(error, "category", "")
    return (
        f"HTTP {error.status or '-'} {category} {error.endpoint}: {detail or type(error).__name__}"
    )


def _failed(op: WriteOp, error: ConnectorError) -> WriteResult:
    return WriteResult(
        op=op,
        ok=False,
        external_id=op.external_id,
        error=_safe(error),
        retryable=isinstance(error, RetryableError),
    )


def _input(op: WriteOp, trace: str) -> JSON | None:
    props = _properties(op)
    item: JSON = {"properties": props, "objectWriteTraceId": trace}
    if op.action == "update":
        if not op.external_id:
            return None
        item["id"] = op.external_id
    elif op.action == "upsert":
        email = props.get("email", "").strip().lower()
        if not email:
            return None
        item.update(id=email, idProperty="email")
    return item


def _match_key(op: WriteOp, item: JSON) -> set[str]:
    keys = {f"trace:{item['objectWriteTraceId']}"}
    if op.action == "update":
        keys.add(f"id:{item['id']}")
    email = item["properties"].get("email", "").strip().lower()
    if email:
        keys.add(f"email:{email}")
    return keys


def _result_keys(result: JSON) -> set[str]:
    keys = {f"id:{result.get('id')}"}
    if result.get("objectWriteTraceId") is not None:
        keys.add(f"trace:{result['objectWriteTraceId']}")
    email = str((result.get("properties") or {}).get("email") or "").lower()
    if email:
        keys.add(f"email:{email}")
    return keys


def _error_keys(error: JSON) -> set[str]:
    context = error.get("context") or {}
    keys = {f"trace:{v}" for v in context.get("objectWriteTraceId") or []}
    keys |= {f"id:{v}" for v in context.get("ids") or []}
    keys |= {f"email:{str(v).lower()}" for v in context.get("emails") or []}
    return keys


def _from_error(op: WriteOp, error: JSON) -> WriteResult:
    message = str(error.get("message") or "")
    existing = _EXISTING_ID.search(message)
    if error.get("category") == "CONFLICT" and existing and op.action == "create":
        return WriteResult(op=op, ok=True, external_id=existing.group(1), existed=True)
    return WriteResult(
        op=op,
        ok=False,
        external_id=op.external_id,
        error=f"HTTP {error.get('status', '')} {error.get('category', '')}: batch input refused",
        retryable=error.get("category") in {"RATE_LIMITS", "INTERNAL_ERROR"},
    )


def _outcome(op: WriteOp, item: JSON, response: BatchResponse) -> WriteResult:
    """Find what a batch answer says about one input: a result, an error, or nothing."""
    keys = _match_key(op, item)
    for error in response.errors:
        if keys & _error_keys(error):
            return _from_error(op, error)
    for raw in response.results:
        if keys & _result_keys(raw):
            return WriteResult(op=op, ok=True, external_id=str(raw["id"]))
    return WriteResult(
        op=op, ok=False, error="HubSpot reported no outcome for this input", retryable=True
    )


def _write_chunk(client: HubSpotClient, action: str, ops: Sequence[WriteOp]) -> list[WriteResult]:
    items = [_input(op, str(i)) for i, op in enumerate(ops)]
    results: list[WriteResult | None] = [
        None if item else WriteResult(op=op, ok=False, error=f"{action} needs an id or email")
        for op, item in zip(ops, items, strict=True)
    ]
    live = [(i, item) for i, item in enumerate(items) if item is not None]
    if not live:
        return [r for r in results if r is not None]
    try:
        response = client.batch_write(action, [item for _, item in live])
    except (ConflictError, FatalError) as error:
        if len(live) == 1:
            index = live[0][0]
            results[index] = _single_fallback(client, ops[index], error)
        else:
            # One bad input fails the whole batch: retry inputs one by one to pin it down.
            for index, _ in live:
                results[index] = _write_chunk(client, action, [ops[index]])[0]
        return [r for r in results if r is not None]
    except RetryableError as error:
        for index, _ in live:
            results[index] = _failed(ops[index], error)
        return [r for r in results if r is not None]
    for index, item in live:
        results[index] = _outcome(ops[index], item, response)
    return [r for r in results if r is not None]


def _single_fallback(client: HubSpotClient, op: WriteOp, error: FatalError) -> WriteResult:
    if isinstance(error, ConflictError) and op.action == "create" and error.existing_id:
        return WriteResult(op=op, ok=True, external_id=error.existing_id, existed=True)
    if isinstance(error, ConflictError) and op.action == "create":
        try:
            created = client.create_contact(_properties(op))
        except ConflictError as conflict:
            if conflict.existing_id:
                return WriteResult(op=op, ok=True, external_id=conflict.existing_id, existed=True)
            return _failed(op, conflict)
        return WriteResult(op=op, ok=True, external_id=str(created["id"]))
    return _failed(op, error)


def _single(client: HubSpotClient, op: WriteOp) -> WriteResult:
    target = op.external_id or ""
    actions: dict[str, Callable[[], Any]] = {
        "patch": lambda: client.update_contact(target, _properties(op)),
        "set_lifecycle_stage": lambda: client.set_lifecycle_stage(
            target, _properties(op)["lifecyclestage"]
        ),
        "merge": lambda: client.merge(
            target, str(op.data.get("objectIdToMerge") or op.data["duplicate_id"])
        ),
        "archive": lambda: client.archive(target),
        "delete": lambda: client.archive(target),
        "gdpr_delete": lambda: (
            client.gdpr_delete(target)
            if target
            else client.gdpr_delete(str(op.data["email"]), id_property="email")
        ),
    }
    try:
        answer = actions[op.action]()
    except NotFoundError as error:
        if op.action in {"archive", "delete", "gdpr_delete"}:
            return WriteResult(op=op, ok=True, external_id=op.external_id)
        return _failed(op, error)
    except (FatalError, RetryableError) as error:
        return _failed(op, error)
    new_id = str(answer["id"]) if isinstance(answer, dict) and "id" in answer else op.external_id
    return WriteResult(op=op, ok=True, external_id=new_id)


def apply_writes(
    client: HubSpotClient, ops: Sequence[WriteOp], *, batch_size: int = 100
) -> list[WriteResult]:
    """Apply ``ops``; one result per op, in order. Unknown actions fail without a request.

    Raises:
        ConfigError: Bad token or missing scope (the run cannot continue).
        BudgetExhaustedError: The daily allowance is down to its reserve.
    """
    results: list[WriteResult | None] = [None] * len(ops)
    groups: dict[str, list[int]] = {}
    for index, op in enumerate(ops):
        if op.action in BATCH_ACTIONS:
            groups.setdefault(op.action, []).append(index)
        elif op.action in SINGLE_ACTIONS:
            results[index] = _single(client, op)
        else:
            results[index] = WriteResult(op=op, ok=False, error=f"unknown action {op.action!r}")
    for action, indexes in groups.items():
        for start in range(0, len(indexes), batch_size):
            chunk = indexes[start : start + batch_size]
            answers = _write_chunk(client, action, [ops[i] for i in chunk])
            for index, answer in zip(chunk, answers, strict=True):
                results[index] = answer
    done = [r for r in results if r is not None]
    assert len(done) == len(ops)
    return done
