from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hub.api import create_app
from hub.config import HubConfig
from hub.persons import propose
from hub.plugins import HubPlugins, get_plugin_manager
from hub.testing.server import serve_app
from tests.fakeconnector import FakePlugin
from tests.persons.factories import links_of, make_person

NOW = datetime(2026, 11, 27, 13, tzinfo=UTC)
TOKEN = "admin-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXPLANATION = {
    "fields": [{"field": "given_name", "level": "exact", "weight": 5.4}],
    "guard": {"reason": "no strong evidence"},
    "text": "given_name=exact(+5.4)",
}


@pytest.fixture
def client(database_url):
    plugins = HubPlugins(get_plugin_manager(load_entry_points=False))
    plugins.register(FakePlugin(), name="fake")
    config = HubConfig.model_validate(
        {
            "database_url": database_url,
            "api": {"admin_tokens": [TOKEN]},
            "connections": {"crm": {"connector": "fakecrm", "settings": {"api_key": "k"}}},
        }
    )
    app = create_app(config, plugins=plugins, now=lambda: NOW)
    with serve_app(app) as url, httpx.Client(base_url=url, headers=AUTH) as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


def _queue(client, n=1):
    """Persons with a vendor link each, and ``n`` open pairs; returns the pair ids."""
    with client.app.state.hub.sessions.begin() as session:
        ids = []
        for i in range(n):
            a = make_person(
                session,
                given="Ada",
                family=f"L{i}",
                links=(("crm", "c", f"a{i}"),),
                created=NOW - timedelta(days=1),  # the older person survives a merge
            )
            b = make_person(session, given="Ada", family=f"L{i}", links=(("crm", "c", f"b{i}"),))
            ids.append(propose(session, a, b, 0.7 + i / 100, EXPLANATION, now=NOW).id)
    return ids


def test_review_routes_need_the_admin_token(client):
    for method, path in [
        ("GET", "/api/v1/review"),
        ("POST", "/api/v1/review/1/approve"),
        ("POST", "/api/v1/review/1/reject"),
        ("GET", "/api/v1/merges"),
        ("POST", "/api/v1/merges/1/split"),
    ]:
        response = client.request(method, path, headers={"Authorization": "Bearer nope"})
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "unauthorized"


def test_open_pairs_are_listed_with_explanations_and_paged(client):
    _queue(client, n=3)
    body = client.get("/api/v1/review", params={"limit": 2}).json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 2, 0)
    assert [round(item["score"], 2) for item in body["items"]] == [0.72, 0.71]
    item = body["items"][0]
    assert item["explanation"] == EXPLANATION
    assert item["status"] == "open"
    assert [p["name"] for p in item["people"]] == ["Ada L2", "Ada L2"]
    assert {p["links"][0]["external_id"] for p in item["people"]} == {"a2", "b2"}
    assert client.get("/api/v1/review", params={"limit": 0}).status_code == 422


def test_approve_merges_and_split_restores_through_the_api(client):
    (pair_id,) = _queue(client)
    approved = client.post(f"/api/v1/review/{pair_id}/approve", json={"by": "ana"})
    assert approved.status_code == 200
    body = approved.json()
    assert (body["review"]["status"], body["review"]["decided_by"]) == ("approved", "ana")
    merge = body["merge"]
    assert merge["review_id"] == pair_id
    with client.app.state.hub.sessions() as session:
        assert links_of(session, merge["survivor_id"]) == [("crm", "c", "a0"), ("crm", "c", "b0")]
    merges = client.get("/api/v1/merges").json()
    assert [m["id"] for m in merges["items"]] == [merge["id"]]
    again = client.post(f"/api/v1/review/{pair_id}/approve")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == f"review pair {pair_id} is approved already"
    split = client.post(f"/api/v1/merges/{merge['id']}/split")
    assert split.status_code == 200
    assert split.json()["links_restored"] == 1
    assert split.json()["merge"]["split_at"] is not None
    with client.app.state.hub.sessions() as session:
        assert links_of(session, merge["absorbed_id"]) == [("crm", "c", "b0")]
    assert client.post(f"/api/v1/merges/{merge['id']}/split").status_code == 409


def test_reject_closes_the_pair(client):
    (pair_id,) = _queue(client)
    rejected = client.post(f"/api/v1/review/{pair_id}/reject")
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["decided_by"]) == ("rejected", "api")
    assert client.get("/api/v1/review").json()["total"] == 0


def test_unknown_ids_and_bad_bodies_get_the_one_error_body(client):
    missing = client.post("/api/v1/review/999/approve")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"status": 404, "code": "not_found", "message": "no review pair 999"}
    }
    assert client.post("/api/v1/merges/999/split").json()["error"]["message"] == "no merge 999"
    (pair_id,) = _queue(client)
    bad = client.post(f"/api/v1/review/{pair_id}/reject", json={"by": "", "extra": 1})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_request"
