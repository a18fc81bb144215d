from __future__ import annotations

import json

from sqlalchemy import select

from hub.store.inbox import count_events
from hub.store.tables import InboxReject
from tests.api.helpers import TOKEN
from tests.fakeconnector import sign


def post(client, connection, items, *, key="fake-key", raw=None):
    body = raw if raw is not None else json.dumps(items).encode()
    return client.post(
        f"/webhooks/{connection}", content=body, headers={"x-fake-signature": sign(body, key)}
    )


def inbox_count(client):
    with client.app.state.hub.sessions() as session:
        return count_events(session)


def test_signed_webhook_is_stored_once_even_when_redelivered(make_client):
    client = make_client()
    items = [{"id": 1, "key": "e1"}, {"id": 2, "key": "e2"}]
    first = post(client, "crm", items)
    assert first.status_code == 200
    assert first.json() == {"received": 2, "new": 2}
    again = post(client, "crm", items)
    assert again.json() == {"received": 2, "new": 0}
    assert inbox_count(client) == 2


def test_bad_or_missing_signature_is_401_and_nothing_is_stored(make_client):
    client = make_client()
    assert post(client, "crm", [{"id": 1, "key": "e1"}], key="wrong").status_code == 401
    response = client.post("/webhooks/crm", content=b"[]")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert inbox_count(client) == 0


def test_unknown_connection_is_404(make_client):
    response = post(make_client(), "nowhere", [])
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "no connection named 'nowhere'"}
    }


def test_body_over_the_limit_is_413(make_client):
    client = make_client()
    items = [{"id": i, "key": f"k{i}", "pad": "x" * 100} for i in range(100)]
    assert post(client, "crm", items).status_code == 413
    assert inbox_count(client) == 0


def test_malformed_body_with_valid_signature_is_400_and_kept(make_client):
    client = make_client()
    response = post(client, "crm", None, raw=b'{"broken": ')
    assert response.status_code == 400
    with client.app.state.hub.sessions() as session:
        reject = session.scalars(select(InboxReject)).one()
    assert reject.body == b'{"broken": '
    assert reject.connection == "crm"


def test_admin_api_needs_a_configured_bearer_token(make_client):
    client = make_client()
    assert client.get("/api/v1/connections").status_code == 401
    wrong = client.get("/api/v1/connections", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ok = client.get("/api/v1/connections", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert {c["name"]: c["system"] for c in ok.json()["items"]} == {"crm": "crm", "ats": "ats"}
    assert "fake-key" not in ok.text


def test_admin_api_is_off_without_tokens(make_client):
    client = make_client(tokens=())
    assert client.get("/api/v1/connections").status_code == 404


def test_runs_are_paginated(make_client):
    client = make_client()
    response = client.get(
        "/api/v1/runs", params={"limit": 5}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.json() == {"items": [], "total": 0, "limit": 5, "offset": 0}
    bad = client.get(
        "/api/v1/runs", params={"limit": 0}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["message"].startswith("query.limit:")


def test_health_readiness_and_metrics(make_client):
    client = make_client()
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["ok"] is True
    post(client, "crm", [{"id": 1, "key": "m1"}])
    post(client, "crm", [], key="wrong")
    text = client.get("/metrics").text
    assert 'hub_inbound_webhooks_total{connection="crm",result="accepted"} 1.0' in text
    assert 'hub_inbound_webhooks_total{connection="crm",result="bad_signature"} 1.0' in text
    assert client.get("/healthz").headers["x-request-id"]


def test_readiness_fails_when_redis_is_unreachable(make_client):
    client = make_client(redis_url="redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"]["ok"] is False


def test_openapi_documents_the_error_shape(make_client):
    spec = make_client().get("/openapi.json").json()
    responses = spec["paths"]["/webhooks/{connection}"]["post"]["responses"]
    assert {"400", "401", "404", "413"} <= set(responses)
