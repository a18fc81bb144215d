"""HubSpotConnector: the hub's Connector protocol over the HubSpot client."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.properties import ensure_hub_properties, read_properties
from connectors.hubspot.search import ChangeReader, record_of
from connectors.hubspot.settings import HubSpotSettings
from connectors.hubspot.values import epoch_ms
from connectors.hubspot.webhooks import events_of, verify_signature
from connectors.hubspot.writes import apply_writes
from hub.connector import (
    ConnectorContext,
    Cursor,
    Page,
    VendorRecord,
    WebhookRequest,
    WriteOp,
    WriteResult,
)
from hub.errors import ConfigError
from hub.models import ChangeEvent

if TYPE_CHECKING:
    from hub.connector import ConnectorSpec

from connectors.hubspot.lists import LIST_ACTIONS, ListClient, write_memberships
from connectors.hubspot.values import parse_datetime

__all__ = ["OBJECT_TYPES", "HubSpotConnector"]

OBJECT_TYPES = ("contact", "contact_list")


class HubSpotConnector:
    """Reads, writes and listens to HubSpot contacts for the hub.

    Args:
        spec: The registered spec (``hubspot``).
        settings: Validated connection settings.
        context: Injected transport, sleep and clocks.
    """

    def __init__(
        self, spec: ConnectorSpec, settings: HubSpotSettings, context: ConnectorContext
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.context = context
        self.client = HubSpotClient(settings, context)
        self.lists = ListClient(self.client)
        self.properties = read_properties(settings.extra_properties)

    def _check_type(self, object_type: str) -> None:
        if object_type not in OBJECT_TYPES:
            known = ", ".join(OBJECT_TYPES)
            raise ConfigError(f"hubspot: unknown object type {object_type!r} (have: {known})")

    def read_changes(
        self, object_type: str, *, since: Cursor | None, until: datetime
    ) -> Iterator[Page]:
        """Yield contacts changed after ``since`` up to ``until``.

        With a cursor, the search endpoint is used and records come in ascending
        (lastmodifieddate, id) order. Without one (a full read), the listing endpoint is used:
        records come in id order, and any modified after ``until`` are left for the next
        incremental read.
        """
        self._check_type(object_type)
        if object_type == "contact_list":
            lists = [
                item
                for item in self.lists.lists()
                if since is None or parse_datetime(str(item["updatedAt"])) > since.updated_at
            ]
            if lists:
                yield Page(records=[self.lists.record(item) for item in lists])
            return
        if since is not None:
            reader = ChangeReader(
                self.client, self.properties, page_size=self.settings.search_page_size
            )
            for records in reader.read(since=since, until=until):
                yield Page(records=records)
            return
        limit = epoch_ms(until)
        for raw_page in self.client.iter_contacts(properties=self.properties):
            records = [record_of(raw) for raw in raw_page]
            kept = [r for r in records if epoch_ms(r.updated_at) <= limit]
            if kept:
                yield Page(records=kept)

    def fetch(self, object_type: str, external_ids: Sequence[str]) -> list[VendorRecord]:
        """Read contacts by id, 100 per batch call; missing ids are omitted."""
        self._check_type(object_type)
        if object_type == "contact_list":
            wanted = set(external_ids)
            return [
                self.lists.record(item)
                for item in self.lists.lists()
                if str(item["listId"]) in wanted
            ]
        found: list[VendorRecord] = []
        for start in range(0, len(external_ids), 100):
            chunk = list(external_ids[start : start + 100])
            found.extend(
                record_of(raw) for raw in self.client.batch_read(chunk, properties=self.properties)
            )
        return found

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Apply writes (see :mod:`connectors.hubspot.writes` for the actions)."""
        for op in ops:
            self._check_type(op.object_type)
        memberships = [i for i, op in enumerate(ops) if op.action in LIST_ACTIONS]
        if not memberships:
            return apply_writes(self.client, ops, batch_size=self.settings.batch_size)
        rest = [i for i in range(len(ops)) if i not in set(memberships)]
        results: dict[int, WriteResult] = dict(
            zip(
                rest,
                apply_writes(
                    self.client, [ops[i] for i in rest], batch_size=self.settings.batch_size
                ),
                strict=True,
            )
        )
        listed = write_memberships(self.lists, [ops[i] for i in memberships])
        results.update(zip(memberships, listed, strict=True))
        return [results[i] for i in range(len(ops))]

    def parse_webhook(self, request: WebhookRequest) -> list[ChangeEvent]:
        """Verify the signature per ``signature_version``, then parse the batched events.

        Raises:
            ConfigError: No ``client_secret`` is configured.
            WebhookSignatureError: Bad, missing or stale signature.
            WebhookPayloadError: Signed correctly but not parseable.
        """
        if self.settings.client_secret is None:
            raise ConfigError("hubspot: client_secret is required to verify webhooks")
        verify_signature(
            request,
            secret=self.settings.client_secret.get_secret_value(),
            version=self.settings.signature_version,
            public_base=self.settings.webhook_public_url,
        )
        return events_of(request.body)

    def setup(self) -> list[str]:
        """Create the hub's property group and contact properties where missing."""
        return ensure_hub_properties(self.client)

    def close(self) -> None:
        """Release HTTP connections."""
        self.client.close()
