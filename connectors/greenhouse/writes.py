"""Writes to Harvest v3: one handler per documented ``(object_type, action)``.

Supported ops (``WriteOp.object_type``, ``WriteOp.action``) and their ``data``:

- ``candidate``/``create``: candidate body (``first_name``, ``last_name``, ``email_addresses``…).
- ``prospect``/``create``: prospect body, optionally ``job_ids``, ``prospect_pool_id``,
  ``prospect_stage_id``, ``prospect_owner_id``.
- ``candidate``/``update`` (``external_id`` = candidate): fields to set; arrays replace what is
  there. Under ``add`` give arrays to merge into the current values instead (read-modify-write),
  e.g. ``{"add": {"tags": ["Alumni"], "email_addresses": [{"value": …, "type": "work"}]}}``.
- ``application``/``create``: ``candidate_id`` plus ``job_id`` or ``prospect: true`` with
  ``job_ids``/pool/stage/owner.
- ``application``/``move_stage`` (``external_id`` = application): ``from_stage_id`` (guard),
  ``to_stage_id`` or ``to_job_id``.
- ``application``/``reject``: ``rejection_reason_id`` (required), ``notes``.
- ``application``/``convert``: ``job_id`` (required), ``to_job_interview_stage_id``.
- ``candidate``/``merge`` (``external_id`` = the survivor): ``duplicate_id``, the candidate merged
  into it and gone afterwards; Greenhouse cannot undo it.
- ``candidate``/``anonymize`` (``external_id`` = candidate): ``fields``, Greenhouse's names of
  what to erase (default: every personal field); GDPR erasure, the candidate record stays.
- ``note``/``create``: ``candidate_id``, ``body`` (both required), ``visibility``, ``user_id``.
- ``candidate``/``update`` also takes ``remove``: arrays whose values are taken out of the
  current ones (read-modify-write, compared case-insensitively), e.g. ``{"remove": {"tags": […]}}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.greenhouse.client import GreenhouseClient
from connectors.greenhouse.schemas import WRITE_ROUTES
from connectors.greenhouse.settings import GreenhouseSettings
from hub.connector import ConnectorContext, VendorRecord, WriteOp, WriteResult
from hub.errors import (
    AuthExpiredError,
    ConfigError,
    ConflictError,
    ConnectorError,
    FatalError,
    RetryableError,
)

__all__ = [
    "ARRAY_FIELDS",
    "GreenhouseWriter",
    "custom_field_items",
    "merge_values",
    "needs_current",
]

log = logging.getLogger(__name__)

ARRAY_FIELDS = frozenset(
    {
        "email_addresses",
        "phone_numbers",
        "addresses",
        "website_addresses",
        "social_media_addresses",
        "tags",
    }
)
# Greenhouse's names of every personal field of a candidate, for a full anonymization.
ANONYMIZE_ALL = (
    "full_name",
    "current_company",
    "current_title",
    "email_addresses",
    "phone_numbers",
    "addresses",
    "website_addresses",
    "social_media_links",
)
REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("application", "create"): ("candidate_id",),
    ("application", "move_stage"): ("from_stage_id",),
    ("application", "reject"): ("rejection_reason_id",),
    ("application", "convert"): ("job_id",),
    ("note", "create"): ("candidate_id", "body"),
}
Fetch = Callable[[str, Sequence[str]], list[VendorRecord]]


def _identity(item: Any) -> str:
    value = item.get("value", "") if isinstance(item, Mapping) else item
    return str(value).strip().casefold()


def merge_values(current: Sequence[Any], added: Sequence[Any]) -> list[Any]:
    """Current values followed by added ones not already there (compared case-insensitively)."""
    merged = list(current)
    seen = {_identity(item) for item in current}
    for item in added:
        if _identity(item) not in seen:
            seen.add(_identity(item))
            merged.append(item)
    return merged


def custom_field_items(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Custom fields keyed by field key, in Harvest's write form ``[{name_key, value}]``.

    ``None`` clears a field (``delete_value``), as Harvest spells it.
    """
    return [
        {"name_key": key, "delete_value": "true"}
        if value is None
        else {"name_key": key, "value": value}
        for key, value in values.items()
    ]


def _array_changes(op: WriteOp) -> tuple[Mapping[str, Sequence[Any]], Mapping[str, Sequence[Any]]]:
    return op.data.get("add") or {}, op.data.get("remove") or {}


def needs_current(op: WriteOp) -> bool:
    """Whether applying ``op`` reads the candidate first (an ``add``/``remove`` update)."""
    if (op.object_type, op.action) != ("candidate", "update") or not op.external_id:
        return False
    added, removed = _array_changes(op)
    return bool(added or removed) and (set(added) | set(removed)) <= ARRAY_FIELDS


def _describe(error: ConnectorError) -> str:
    text = f"{error.endpoint}: {error}" if error.endpoint else str(error)
    if isinstance(error, FatalError) and error.field_errors:
        text += " (" + "; ".join(f"{f.field}: {f.message}" for f in error.field_errors) + ")"
    return text


class GreenhouseWriter:
    """Applies :class:`WriteOp` s one by one.

    Args:
        client: The Harvest client.
        fetch: Reads records by id (the connector's ``fetch``).
        settings: Connection settings (create polling).
        context: Injected sleep.
    """

    def __init__(
        self,
        client: GreenhouseClient,
        *,
        fetch: Fetch,
        settings: GreenhouseSettings,
        context: ConnectorContext,
    ) -> None:
        self.client = client
        self.fetch = fetch
        self.settings = settings
        self.context = context
        self._handlers: dict[tuple[str, str], Callable[[WriteOp], WriteResult]] = {
            ("candidate", "create"): self._create_person,
            ("prospect", "create"): self._create_person,
            ("candidate", "update"): self._update_candidate,
            ("application", "create"): self._create_application,
            ("application", "move_stage"): self._no_content,
            ("application", "reject"): self._no_content,
            ("application", "convert"): self._convert,
            ("note", "create"): self._create_application,
            ("candidate", "anonymize"): self._anonymize,
            ("candidate", "merge"): self._merge,
        }

    def apply(self, op: WriteOp, *, current: Sequence[VendorRecord] | None = None) -> WriteResult:
        """Apply one op; vendor refusals come back as a failed result.

        Args:
            op: The op.
            current: For an op that :func:`needs_current`, the candidate as read ahead by the
                batch (empty: not found); ``None`` reads it here.

        Raises:
            ConfigError: Bad credentials or missing permissions.
            AuthExpiredError: The vendor refused a freshly issued token.
        """
        key = (op.object_type, op.action)
        handler = self._handlers.get(key)
        if handler is None:
            return WriteResult(
                op, ok=False, error=f"unsupported write {op.object_type}.{op.action}"
            )
        missing = [name for name in REQUIRED.get(key, ()) if op.data.get(name) in (None, "")]
        if op.object_type == "application" and op.action != "create" and not op.external_id:
            missing.append("external_id")
        if missing:
            return WriteResult(op, ok=False, error=f"missing required {', '.join(missing)}")
        try:
            if key == ("candidate", "update"):
                return self._update_candidate(op, current)
            return handler(op)
        except (ConfigError, AuthExpiredError):
            raise
        except ConflictError as exc:
            if exc.existing_id:
                return WriteResult(op, ok=True, external_id=exc.existing_id, existed=True)
            return WriteResult(op, ok=False, error=_describe(exc))
        except RetryableError as exc:
            return WriteResult(op, ok=False, error=_describe(exc), retryable=True)
        except ConnectorError as exc:
            retryable = not isinstance(exc, FatalError)
            return WriteResult(op, ok=False, error=_describe(exc), retryable=retryable)

    def read_current(self, candidate_ids: Sequence[str]) -> dict[str, list[VendorRecord]]:
        """Read ahead the candidates of several read-modify-write updates, in few requests.

        Each id maps to its record in a list (empty: not found), the form ``apply`` takes as
        ``current``. When the read fails the map is empty, so each op then reads its own
        candidate as it would alone, and fails alone.

        Raises:
            ConfigError: Bad credentials or missing permissions.
            AuthExpiredError: The vendor refused a freshly issued token.
        """
        try:
            found = self.fetch("candidate", candidate_ids)
        except (ConfigError, AuthExpiredError):
            raise
        except ConnectorError as exc:
            log.warning("greenhouse: reading candidates ahead failed (%s); reading one by one", exc)
            return {}
        current: dict[str, list[VendorRecord]] = {str(i): [] for i in candidate_ids}
        for record in found:
            current[record.external_id] = [record]
        return current

    def _send(self, op: WriteOp, body: Mapping[str, Any]) -> Any:
        method, template = WRITE_ROUTES[(op.object_type, op.action)]
        path = template.format(id=op.external_id)
        endpoint = f"{method} /v3{template}"
        return self.client.request_json(method, path, endpoint=endpoint, json=body)

    def _create_person(self, op: WriteOp) -> WriteResult:
        body = dict(op.data)
        if isinstance(body.get("custom_fields"), Mapping):
            body["custom_fields"] = custom_field_items(body["custom_fields"])
        created = self._send(op, body)
        new_id = str(created["id"])
        if "updated_at" not in created:
            # Greenhouse may answer a create with a truncated record (ids only) while the
            # candidate is still being written; it is readable only once GET finds it.
            self._await_readable(new_id)
        return WriteResult(op, ok=True, external_id=new_id)

    def _await_readable(self, candidate_id: str) -> None:
        for attempt in range(self.settings.create_poll_attempts):
            if self.fetch("candidate", [candidate_id]):
                return
            if attempt + 1 < self.settings.create_poll_attempts:
                self.context.sleep(self.settings.create_poll_interval)
        log.warning("greenhouse candidate %s created but not yet readable", candidate_id)

    def _update_candidate(
        self, op: WriteOp, current: Sequence[VendorRecord] | None = None
    ) -> WriteResult:
        body = {k: v for k, v in op.data.items() if k not in ("add", "remove")}
        if isinstance(body.get("custom_fields"), Mapping):
            body["custom_fields"] = custom_field_items(body["custom_fields"])
        added, removed = _array_changes(op)
        unknown = (set(added) | set(removed)) - ARRAY_FIELDS
        if unknown:
            return WriteResult(op, ok=False, error=f"cannot change {', '.join(sorted(unknown))}")
        if added or removed:
            if current is None:
                current = self.fetch("candidate", [str(op.external_id)])
            if not current:
                return WriteResult(op, ok=False, error=f"candidate {op.external_id} not found")
            for name, values in added.items():
                base: Sequence[Any] = body.get(name) or current[0].data.get(name) or []
                body[name] = merge_values(base, values)
            for name, values in removed.items():
                gone = {_identity(v) for v in values}
                base = body.get(name) or current[0].data.get(name) or []
                body[name] = [item for item in base if _identity(item) not in gone]
        self._send(op, body)
        return WriteResult(op, ok=True, external_id=op.external_id)

    def _merge(self, op: WriteOp) -> WriteResult:
        duplicate = str(op.data.get("duplicate_id") or "")
        if not op.external_id or not duplicate.isdigit() or not str(op.external_id).isdigit():
            return WriteResult(op, ok=False, error="merge needs external_id and duplicate_id")
        body = {
            "primary_candidate_id": int(op.external_id),
            "duplicate_candidate_id": int(duplicate),
        }
        self._send(op, body)
        return WriteResult(op, ok=True, external_id=op.external_id)

    def _anonymize(self, op: WriteOp) -> WriteResult:
        if not op.external_id:
            return WriteResult(op, ok=False, error="missing required external_id")
        fields = op.data.get("fields") or ANONYMIZE_ALL
        method, template = WRITE_ROUTES[(op.object_type, op.action)]
        self.client.request_json(
            method,
            template.format(id=op.external_id),
            endpoint=f"{method} /v3{template}",
            params={"fields": ",".join(fields)},
        )
        return WriteResult(op, ok=True, external_id=op.external_id)

    def _create_application(self, op: WriteOp) -> WriteResult:
        created = self._send(op, op.data)
        return WriteResult(op, ok=True, external_id=str(created["id"]))

    def _no_content(self, op: WriteOp) -> WriteResult:
        self._send(op, op.data)
        return WriteResult(op, ok=True, external_id=op.external_id)

    def _convert(self, op: WriteOp) -> WriteResult:
        created = self._send(op, op.data)
        new_id = str(created["id"]) if isinstance(created, Mapping) else op.external_id
        return WriteResult(op, ok=True, external_id=new_id)
