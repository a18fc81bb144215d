from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from connectors.greenhouse.webhooks import sign_greenhouse_body
from hub import ConnectorSpec, WebhookRequest, WriteOp
from hub.plugins import HubPlugins
from hub.testing.conformance import ConnectorConformance

SECRET = "greenhouse_test_secret"


class TestGreenhouseConformance(ConnectorConformance):
    connector_name = "greenhouse"

    @pytest.fixture
    def spec(self) -> ConnectorSpec:
        # Found through the installed entry points like any plugin; other bundled connectors
        # are blocked so that their state never decides whether this suite can run.
        environ = {"HUB_DISABLED_PLUGINS": "hubspot"}
        return HubPlugins.load(environ=environ).connector(self.connector_name)

    def settings_for(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": f"{base_url}/v3",
            "auth_url": base_url,
            "client_id": "conformance",
            "client_secret": "secret",
            "user_id": "1001",  # the seeded admin: the first id the emulator hands out
            "webhook_secret": SECRET,
            "rate_limit": 0,
        }

    def sample_upsert(self) -> WriteOp | None:
        return None  # Harvest has no upsert; the hub's write ledger keeps creates idempotent

    def signed_webhook(self, base_url: str, now: datetime) -> WebhookRequest:
        body = b'{"action":"update_candidate","payload":{"candidate":{"id":1011}}}'
        headers = {"signature": sign_greenhouse_body(body, SECRET), "greenhouse-event-id": "e1"}
        return WebhookRequest("POST", f"{base_url}/hooks/greenhouse", headers, body, now)
