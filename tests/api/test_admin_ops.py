"""Admin API operations: trigger a sync, dry-run the rules, check the mappings, pagination."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.queue import JobQueues
from hub.store.tables import InboxEvent, SyncRun
from hub.sync.jobs import sync_pair
from tests.api.helpers import AUTH

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
PAIR = {"main": {"crm": "crm", "ats": "ats"}}

EVENTS = [
    {
        "object_type": "application",
        "external_id": "a1",
        "kind": "created",
        "occurred_at": "2026-11-02T10:00:00Z",
        "person": {"given_name": "Ada", "relationship_status": "nurture"},
        "application": {"id": "a1", "person_id": "c1", "job_name": "Backend Engineer"},
        "crm": {"lifecyclestage": "lead"},
    },
    {
        "object_type": "candidate",
        "external_id": "c9",
        "kind": "deleted",
        "occurred_at": "2026-11-21T11:00:00Z",
        "trigger": "person_merged",
    },
]


def row_counts(client) -> dict[str, int]:
    with client.app.state.hub.sessions() as session:
        return {
            "runs": session.query(SyncRun).count(),
            "inbox": session.query(InboxEvent).count(),
        }


@pytest.mark.redis
def test_trigger_sync_enqueues_one_job_per_pair_and_answers_202(make_client, redis_url):
    client = make_client(redis_url=redis_url, sync_pairs=PAIR)
    first = client.post("/api/v1/pairs/main/sync", headers=AUTH)
    assert first.status_code == 202
    body = first.json()
    # the scheduler's own call: a trigger while a scheduled run waits adds nothing
    assert body == {
        "job_id": sync_pair.ref("main").id,
        "status": "queued",
        "pair": "main",
        "full": False,
    }
    assert first.headers["location"] == f"/api/v1/jobs/{body['job_id']}"
    again = client.post("/api/v1/pairs/main/sync", headers=AUTH, json={"full": False})
    assert again.json()["job_id"] == body["job_id"]
    full = client.post("/api/v1/pairs/main/sync", headers=AUTH, json={"full": True})
    assert full.status_code == 202
    assert full.json()["job_id"] == sync_pair.ref("main", True).id != body["job_id"]
    queues = JobQueues.for_config(client.app.state.hub.config)
    assert queues.queue("sync").count == 2
    job = client.get(f"/api/v1/jobs/{body['job_id']}", headers=AUTH)
    assert job.json() == {"job_id": body["job_id"], "status": "queued"}
    metrics = client.get("/metrics").text
    assert 'hub_queue_jobs{queue="sync",state="queued"} 2.0' in metrics
    assert 'hub_queue_jobs{queue="webhooks",state="queued"} 0.0' in metrics


def test_trigger_sync_of_an_unknown_pair_is_404(make_client):
    client = make_client(sync_pairs=PAIR)
    response = client.post("/api/v1/pairs/nowhere/sync", headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "no sync pair named 'nowhere'"}
    }
    assert client.get("/api/v1/jobs/sync_pair-nowhere", headers=AUTH).status_code == 404
    assert client.post("/api/v1/pairs/main/sync", json={"fast": 1}, headers=AUTH).status_code == 422


def test_admin_operations_need_the_token(make_client):
    client = make_client(sync_pairs=PAIR)
    assert client.post("/api/v1/pairs/main/sync").status_code == 401
    assert client.post("/api/v1/rules/dry-run", json=[]).status_code == 401
    assert client.get("/api/v1/mappings/check").status_code == 401


def test_rules_dry_run_takes_json_or_json_lines_and_writes_nothing(make_client):
    client = make_client()
    before = row_counts(client)
    as_json = client.post("/api/v1/rules/dry-run", json=EVENTS, headers=AUTH)
    assert as_json.status_code == 200, as_json.text
    result = as_json.json()
    assert result["rules_file"] == "mappings/rules.yaml"
    first, second = result["events"]
    assert (first["number"], first["trigger"], first["fired"]) == (
        1,
        "application_created",
        ["prospect applies"],
    )
    assert "set_status applicant" in first["decisions"][0]["actions"]
    assert (second["trigger"], second["fired"], second["decisions"]) == ("person_merged", [], [])
    assert result["fired"] == 1
    assert "Ada" not in as_json.text  # decisions are redacted as in the decision log
    lines = "\n".join(json.dumps(e) for e in EVENTS)
    as_lines = client.post(
        "/api/v1/rules/dry-run",
        content=lines,
        headers={**AUTH, "Content-Type": "application/x-ndjson"},
    )
    assert as_lines.json() == result
    assert row_counts(client) == before


def test_rules_dry_run_locates_every_bad_event(make_client):
    client = make_client()
    lines = "\n".join(
        [
            json.dumps(EVENTS[0]),
            json.dumps({"object_type": "application", "external_id": "a1", "kind": "created"}),
            "{not json",
        ]
    )
    broken_json = client.post(
        "/api/v1/rules/dry-run", content=lines, headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert broken_json.status_code == 422
    assert [(p["line"], p["message"]) for p in broken_json.json()["error"]["problems"]] == [
        (3, "not valid JSON: Expecting property name enclosed in double quotes")
    ]
    missing = client.post("/api/v1/rules/dry-run", json=[EVENTS[0], {"kind": "x"}], headers=AUTH)
    error = missing.json()["error"]
    assert missing.status_code == 422
    assert error["code"] == "invalid_request"
    assert {(p["line"], p["path"]) for p in error["problems"]} >= {
        (2, "object_type"),
        (2, "occurred_at"),
    }
    not_a_list = client.post("/api/v1/rules/dry-run", json={"a": 1}, headers=AUTH)
    assert not_a_list.status_code == 422


def test_rules_dry_run_uses_the_pairs_rules_file_and_reports_its_problems(make_client, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: r\n")
    client = make_client(sync_pairs={"main": {"crm": "crm", "ats": "ats", "rules": str(rules)}})
    response = client.post("/api/v1/rules/dry-run?pair=main", json=EVENTS, headers=AUTH)
    assert response.status_code == 422
    problem = response.json()["error"]["problems"][0]
    assert (problem["file"], problem["line"], problem["column"], problem["path"]) == (
        str(rules),
        2,
        5,
        "rules.0.when",
    )
    unknown = client.post("/api/v1/rules/dry-run?pair=nope", json=EVENTS, headers=AUTH)
    assert unknown.status_code == 404


def test_mappings_check_reports_located_problems_as_data(make_client, tmp_path):
    broken = tmp_path / "broken.yaml"
    good = MAPPINGS / "hubspot.contact.yaml"
    broken.write_text(good.read_text().replace("inbound:", "inbund:", 1))
    pair = {"crm": "crm", "ats": "ats", "mappings": {"contact": str(good), "other": str(broken)}}
    client = make_client(sync_pairs={"main": pair})
    response = client.get("/api/v1/mappings/check", headers=AUTH)
    assert response.status_code == 200
    check = response.json()
    assert check["ok"] is False
    assert [(f["key"], f["ok"]) for f in check["files"]] == [("contact", True), ("other", False)]
    assert check["problems"]
    assert all(p["file"] == str(broken) and p["line"] for p in check["problems"])
    assert any("inbund" in p["message"] for p in check["problems"])
    only = client.get("/api/v1/mappings/check", params={"pair": "nope"}, headers=AUTH)
    assert only.status_code == 404


def test_every_list_is_paginated_the_same_way(make_client):
    client = make_client(sync_pairs=PAIR)
    page = client.get("/api/v1/connections", params={"limit": 1, "offset": 1}, headers=AUTH)
    assert page.json()["total"] == 2
    assert [c["name"] for c in page.json()["items"]] == ["ats"]
    assert page.json()["limit"] == 1
    pairs = client.get("/api/v1/pairs", headers=AUTH).json()
    assert pairs["items"][0]["name"] == "main"
    assert (pairs["total"], pairs["offset"]) == (1, 0)
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/connections",
        "/api/v1/pairs",
        "/api/v1/runs",
        "/api/v1/subscriptions",
        "/api/v1/deliveries",
    ):
        params = {p["name"] for p in spec["paths"][path]["get"]["parameters"]}
        assert {"limit", "offset"} <= params, path
    trigger = spec["paths"]["/api/v1/pairs/{pair}/sync"]["post"]["responses"]
    assert {"202", "401", "404"} <= set(trigger)


def test_trigger_sync_is_503_when_the_queue_is_unreachable(make_client):
    client = make_client(redis_url="redis://127.0.0.1:1/0", sync_pairs=PAIR)
    response = client.post("/api/v1/pairs/main/sync", headers=AUTH)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
