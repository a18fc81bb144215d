"""``GreenhouseConnector``: the :class:`hub.connector.Connector` for Harvest v3."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connectors.greenhouse.client import GreenhouseClient
from connectors.greenhouse.dispatch import GreenhouseWritePool
from connectors.greenhouse.schemas import LIST_ROUTES
from connectors.greenhouse.settings import GreenhouseSettings
from connectors.greenhouse.webhooks import parse_greenhouse_webhook
from connectors.greenhouse.writes import GreenhouseWriter
from hub.connector import (
    ConnectorContext,
    ConnectorSpec,
    Cursor,
    Page,
    VendorRecord,
    WebhookRequest,
    WriteOp,
    WriteResult,
)
from hub.errors import ConfigError, FatalError

if TYPE_CHECKING:
    from hub.models import ChangeEvent

__all__ = ["FETCH_BATCH", "GreenhouseConnector", "harvest_time", "to_record"]

log = logging.getLogger(__name__)

# ASSUMED: v1 capped id lists at 50 per request; v3's cap is not published.
FETCH_BATCH = 50


def harvest_time(value: datetime) -> str:
    """Render a datetime as Harvest's ISO-8601 UTC form (``2024-01-01T00:00:00.000Z``)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_record(object_type: str, item: dict[str, Any]) -> VendorRecord:
    """Wrap one raw v3 object; the data is kept exactly as the vendor sent it.

    Raises:
        FatalError: When the object lacks an id or ``updated_at``.
    """
    try:
        updated = datetime.fromisoformat(str(item["updated_at"]))
        external_id = str(item["id"])
    except (KeyError, ValueError) as exc:
        raise FatalError(f"greenhouse {object_type}: record without id or updated_at") from exc
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return VendorRecord(object_type, external_id, updated.astimezone(UTC), item)


def _order(record: VendorRecord) -> tuple[datetime, int, str]:
    eid = record.external_id
    return (record.updated_at, int(eid) if eid.isdigit() else 0, eid)


def _after(record: VendorRecord, since: Cursor | None) -> bool:
    if since is None:
        return True
    bookmark = since.updated_at.astimezone(UTC)
    if record.updated_at != bookmark:
        return record.updated_at > bookmark
    last = since.last_id
    if last.isdigit() and record.external_id.isdigit():
        return int(record.external_id) > int(last)
    return record.external_id > last


class GreenhouseConnector:
    """Reads, writes and hears webhooks from one Greenhouse account.

    Args:
        settings: The connection's settings.
        context: Injected transport, sleep and clocks.
        spec: The spec this connector was built from.
    """

    def __init__(
        self, settings: GreenhouseSettings, context: ConnectorContext, *, spec: ConnectorSpec
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.context = context
        self.client = GreenhouseClient(settings, context)
        self.writer = GreenhouseWriter(
            self.client, fetch=self.fetch, settings=settings, context=context
        )
        self.write_pool = GreenhouseWritePool(self.writer, concurrency=settings.write_concurrency)

    def read_changes(
        self, object_type: str, *, since: Cursor | None, until: datetime
    ) -> Iterator[Page]:
        """Yield pages changed after ``since`` and at or before ``until``.

        The filter is ``updated_at=gte|<bookmark>`` so records sharing the bookmark's timestamp
        are re-read and then skipped by id. Each page is sorted by (updated_at, id).
        """
        path = self._route(object_type)
        params = {} if since is None else {"updated_at": f"gte|{harvest_time(since.updated_at)}"}
        for items in self.client.list_pages(path, params, endpoint=f"GET /v3{path}"):
            records = [to_record(object_type, item) for item in items]
            kept = sorted(
                (r for r in records if r.updated_at <= until and _after(r, since)), key=_order
            )
            if kept:
                yield Page(kept)

    def fetch(self, object_type: str, external_ids: Sequence[str]) -> list[VendorRecord]:
        """Read records by id through the ``ids`` filter; missing ids are omitted."""
        path = self._route(object_type)
        ids = list(dict.fromkeys(external_ids))
        found: list[VendorRecord] = []
        for start in range(0, len(ids), FETCH_BATCH):
            params = {"ids": ",".join(ids[start : start + FETCH_BATCH])}
            for items in self.client.list_pages(path, params, endpoint=f"GET /v3{path}"):
                found.extend(to_record(object_type, item) for item in items)
        return found

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Apply the ops, ``write_concurrency`` at a time; one result per op, in order.

        Ops on one record are applied in the order given. Vendor refusals become failed
        results, not exceptions; a configuration or auth error ends the batch and is raised.
        """
        return self.write_pool.write(ops)

    def parse_webhook(self, request: WebhookRequest) -> list[ChangeEvent]:
        """Verify and parse one Greenhouse webhook delivery into id-level events."""
        if self.settings.webhook_secret is None:
            raise ConfigError("greenhouse: webhook_secret is not set; cannot verify webhooks")
        return parse_greenhouse_webhook(
            request, secret=self.settings.webhook_secret.get_secret_value()
        )

    def setup(self) -> list[str]:
        """Nothing to create in Greenhouse: webhooks are configured in its UI."""
        return []

    def close(self) -> None:
        """Stop the write threads and close HTTP connections."""
        self.write_pool.close()
        self.client.close()

    def _route(self, object_type: str) -> str:
        try:
            return LIST_ROUTES[object_type]
        except KeyError:
            raise ConfigError(
                f"greenhouse: unknown object type {object_type!r}; "
                f"expected one of {', '.join(sorted(LIST_ROUTES))}"
            ) from None
