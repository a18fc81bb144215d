from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from connectors.hubspot.webhooks import sign_v3
from hub import ConnectorSpec, EmulatorOptions, WebhookRequest, WriteOp
from hub.plugins import HubPlugins
from hub.testing.conformance import ConnectorConformance
from hub.testing.server import serve_app

TOKEN = "conformance-token"
SECRET = "conformance-secret"


class TestHubSpotConformance(ConnectorConformance):
    connector_name = "hubspot"

    @pytest.fixture
    def spec(self) -> ConnectorSpec:
        # other bundled connectors are blocked so that their state never decides this suite
        return HubPlugins.load(environ={"HUB_DISABLED_PLUGINS": "greenhouse"}).connector("hubspot")

    @pytest.fixture
    def emulator_url(self, spec: ConnectorSpec) -> Iterator[str]:
        assert spec.emulator is not None
        options = EmulatorOptions(
            seed=7,
            people=self.emulator_people,
            rate_limit=0,
            extra={"access_token": TOKEN, "search_rate": 0},
        )
        with serve_app(spec.emulator(options)) as url:
            yield url

    def settings_for(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "access_token": TOKEN,
            "client_secret": SECRET,
            "rate_limit": 0,
        }

    def sample_upsert(self) -> WriteOp | None:
        return WriteOp(
            object_type="contact",
            action="upsert",
            data={"email": "conformance@example.com", "firstname": "Con", "lastname": "Formance"},
            idempotency_key="conformance-1",
        )

    def signed_webhook(self, base_url: str, now: datetime) -> WebhookRequest:
        body = json.dumps(
            [
                {
                    "eventId": 1,
                    "subscriptionId": 11,
                    "portalId": 62515,
                    "appId": 1,
                    "occurredAt": int(now.timestamp() * 1000),
                    "subscriptionType": "contact.propertyChange",
                    "attemptNumber": 0,
                    "objectId": 123,
                    "propertyName": "firstname",
                    "propertyValue": "x",
                    "changeSource": "CRM_UI",
                }
            ]
        ).encode()
        url = f"{base_url}/webhooks/hubspot"
        timestamp = str(int(now.timestamp() * 1000))
        signature = sign_v3(SECRET, method="POST", uri=url, body=body, timestamp=timestamp)
        headers = {"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": timestamp}
        return WebhookRequest("POST", url, headers, body, now)
