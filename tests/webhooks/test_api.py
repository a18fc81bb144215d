from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from hub.api import create_app
from hub.api.routes.subscriptions import router
from hub.config import HubConfig
from hub.queue import queue_connection
from hub.testing.server import serve_app

from .helpers import emit, stage_changed

TOKEN = "test-admin-token"


@pytest.fixture
def api(sqlite_url, sessions):
    config = HubConfig.model_validate(
        {"database_url": sqlite_url, "api": {"admin_tokens": [TOKEN]}}
    )
    app = create_app(config)
    app.include_router(router)  # the lead mounts it in create_app
    queue_connection(config).flushall()
    with (
        serve_app(app) as base,
        httpx.Client(
            base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        yield client
    queue_connection(config).flushall()


def test_api_creates_lists_updates_rotates_and_deletes_subscriptions(api):
    created = api.post(
        "/subscriptions",
        json={"url": "https://example.com/hook", "event_types": ["application.*"]},
    )
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["secret"].startswith("whsec_")
    assert sub["enabled"] is True

    page = api.get("/subscriptions", params={"limit": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (1, 1, 0)
    assert "secret" not in page["items"][0]
    assert "secret" not in api.get(f"/subscriptions/{sub['id']}").json()

    patched = api.patch(f"/subscriptions/{sub['id']}", json={"enabled": False, "description": "x"})
    assert (patched.json()["enabled"], patched.json()["disabled_reason"]) == (False, "manual")
    bad = api.patch(f"/subscriptions/{sub['id']}", json={"event_types": ["nope.*"]})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_request"

    rotated = api.post(f"/subscriptions/{sub['id']}/rotate-secret").json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != sub["secret"]

    assert api.delete(f"/subscriptions/{sub['id']}").status_code == 204
    assert api.get(f"/subscriptions/{sub['id']}").status_code == 404


def test_api_lists_and_replays_deliveries(api, sessions):
    sub = api.post(
        "/subscriptions",
        json={"url": "https://example.com/hook", "event_types": ["*"]},
    ).json()
    now = datetime.now(UTC)
    emit(sessions, stage_changed(now), now=now)
    emit(sessions, stage_changed(now), now=now)
    page = api.get("/deliveries", params={"subscription_id": sub["id"], "status": "pending"})
    assert page.json()["total"] == 2
    delivery = page.json()["items"][0]
    assert api.get("/deliveries", params={"status": "failed"}).json()["total"] == 0
    assert api.get("/deliveries", params={"status": "lost"}).status_code == 422

    replayed = api.post(f"/deliveries/{delivery['id']}/replay")
    assert replayed.status_code == 200
    assert replayed.json()["message_id"] == delivery["message_id"]
    assert api.post("/deliveries/999999/replay").status_code == 404


def test_api_refuses_http_urls_by_default_and_requests_without_a_token(api):
    refused = api.post(
        "/subscriptions", json={"url": "http://example.com/hook", "event_types": ["*"]}
    )
    assert refused.status_code == 422
    assert "https" in refused.json()["error"]["message"]
    anonymous = httpx.get(str(api.base_url).rstrip("/") + "/subscriptions")
    assert anonymous.status_code == 401
