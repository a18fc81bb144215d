"""A throwaway connector that lives outside hub/ and connectors/, as a third party's would."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, SecretStr

from hub import (
    ConnectorContext,
    ConnectorRegistry,
    ConnectorSpec,
    Cursor,
    Page,
    VendorRecord,
    WebhookRequest,
    WriteOp,
    WriteResult,
    hookimpl,
)
from hub.errors import WebhookPayloadError, WebhookSignatureError
from hub.models import ChangeEvent


class FakeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: SecretStr
    base_url: str = "http://127.0.0.1:1"
    page_size: int = 10


class FakeRecord(BaseModel):
    id: str
    email: str | None = None


class FakeConnector:
    def __init__(self, spec: ConnectorSpec, settings: FakeSettings, context: ConnectorContext):
        self.spec = spec
        self.settings = settings
        self.context = context
        self.records = {
            str(i): VendorRecord("thing", str(i), context.now(), {"id": str(i)}) for i in range(3)
        }

    def read_changes(
        self, object_type: str, *, since: Cursor | None, until: datetime
    ) -> Iterator[Page]:
        yield Page(records=list(self.records.values()))

    def fetch(self, object_type: str, external_ids: Sequence[str]) -> list[VendorRecord]:
        return [self.records[i] for i in external_ids if i in self.records]

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        return [WriteResult(op=op, ok=True, external_id=op.external_id) for op in ops]

    def parse_webhook(self, request: WebhookRequest) -> list[ChangeEvent]:
        """Body: a JSON list of {"id", "kind", "key"}; header x-fake-signature: hex HMAC."""
        secret = self.settings.api_key.get_secret_value().encode()
        expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("x-fake-signature", ""), expected):
            raise WebhookSignatureError("bad signature")
        try:
            items = json.loads(request.body)
        except ValueError as exc:
            raise WebhookPayloadError(f"body is not JSON: {exc.msg}") from None
        return [
            ChangeEvent(
                object_type="thing",
                external_id=str(item["id"]),
                kind=item.get("kind", "updated"),
                occurred_at=request.received_at,
                dedupe_key=item["key"],
            )
            for item in items
        ]

    def setup(self) -> list[str]:
        return ["created property fake_status"]

    def close(self) -> None:
        pass


def _spec(name: str, system: str) -> ConnectorSpec:
    def factory(settings: FakeSettings, context: ConnectorContext) -> FakeConnector:
        return FakeConnector(spec, settings, context)

    spec = ConnectorSpec(
        name=name,
        system=system,  # type: ignore[arg-type]
        version="9.9.9",
        settings_model=FakeSettings,
        object_types={"thing": FakeRecord},
        factory=factory,
        description=f"fake {system}",
    )
    return spec


def sign(body: bytes, key: str = "fake-key") -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


class FakePlugin:
    """Registers a CRM and an ATS connector named fakecrm and fakeats."""

    @hookimpl
    def hub_register_connectors(self, registry: ConnectorRegistry) -> None:
        registry.add(_spec("fakecrm", "crm"))
        registry.add(_spec("fakeats", "ats"))
