from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.greenhouse.connector import GreenhouseConnector
from hub import Cursor, WriteOp

FAR = datetime(2100, 1, 1, tzinfo=UTC)


def read_ids(
    connector: GreenhouseConnector, object_type: str = "candidate", **kw: Any
) -> list[str]:
    pages = connector.read_changes(object_type, since=kw.get("since"), until=kw.get("until", FAR))
    return [r.external_id for page in pages for r in page.records]


@pytest.mark.slow
def test_pages_through_10000_people_without_loss(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=10_000)
    connector = connect(served, per_page=500)

    ids = read_ids(connector)

    assert len(ids) == len(set(ids)) == len(served.emulator.state.tables["candidates"])
    assert connector.client.http.calls[("GET /v3/candidates", 200)] == -(-len(ids) // 500)


def test_every_object_type_reads_to_the_end(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=40)
    connector = connect(served, per_page=7)

    for object_type, table in [
        ("application", "applications"),
        ("job", "jobs"),
        ("job_interview_stage", "job_interview_stages"),
        ("rejection_reason", "rejection_reasons"),
        ("user", "users"),
    ]:
        assert sorted(read_ids(connector, object_type), key=int) == [
            str(i) for i in served.emulator.state.tables[table]
        ]


def test_seed_has_every_status_prospects_and_duplicates(serve_emulator: Any) -> None:
    state = serve_emulator(people=20).emulator.state
    apps = state.tables["applications"].values()

    assert {a["status"] for a in apps} == {"active", "rejected", "hired", "converted"}
    assert any(a["prospect"] and not a["job_ids"] for a in apps)
    assert len(state.tables["candidates"]) == 22  # every tenth person twice


def test_seeding_is_deterministic(serve_emulator: Any) -> None:
    one = serve_emulator(people=15, seed=7).emulator.state.tables["candidates"]
    two = serve_emulator(people=15, seed=7).emulator.state.tables["candidates"]

    assert list(one.values()) == list(two.values())


def test_429_storm_loses_no_records_and_waits_retry_after(
    serve_emulator: Any, connect: Any, recording_sleep: Any
) -> None:
    served = serve_emulator(people=200, rate_limit=3, rate_window=0.5)
    connector = connect(served, per_page=20, rate_limit=0, retry_attempts=20)

    ids = read_ids(connector)

    assert len(ids) == len(set(ids)) == len(served.emulator.state.tables["candidates"])
    assert connector.client.http.rate_limited > 0
    assert served.emulator.gate.counters["rate_limited"] == connector.client.http.rate_limited
    assert any(0 < wait <= 0.5 for wait in recording_sleep.waits)


def test_pacing_reads_the_rate_headers(
    serve_emulator: Any, connect: Any, recording_sleep: Any
) -> None:
    served = serve_emulator(people=100, rate_limit=4, rate_window=0.5)
    connector = connect(served, per_page=10, rate_limit=4, rate_window=0.5, retry_attempts=20)

    ids = read_ids(connector)

    assert len(ids) == len(served.emulator.state.tables["candidates"])
    assert connector.client.http.budget is not None
    assert connector.client.http.budget.waited > 0


def test_token_expiry_mid_paging_refreshes_and_continues(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=50)
    connector = connect(served, per_page=10)
    ids: list[str] = []

    pages = connector.read_changes("candidate", since=None, until=FAR)
    for number, page in enumerate(pages):
        ids.extend(r.external_id for r in page.records)
        if number == 1:
            served.admin("POST", "/tokens/expire")

    assert len(ids) == len(set(ids)) == len(served.emulator.state.tables["candidates"])
    assert connector.client.auth.tokens_issued == 2


def test_5xx_bursts_and_dropped_connections_lose_nothing(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=150, fault_rate=0.3, drop_rate=0.1)
    connector = connect(served, per_page=10, retry_attempts=30)

    ids = read_ids(connector)

    assert len(ids) == len(set(ids)) == len(served.emulator.state.tables["candidates"])
    counters = served.emulator.gate.counters
    assert counters.get("fault_500", 0) + counters.get("fault_503", 0) > 0
    assert counters.get("fault_drop", 0) > 0


def test_slow_responses_still_arrive(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=20, slow_rate=1.0, slow_seconds=0.01)

    ids = read_ids(connect(served, per_page=10))

    assert len(ids) == len(served.emulator.state.tables["candidates"])
    assert served.emulator.gate.counters["fault_slow"] >= 3


def test_timeouts_are_retried_as_unavailable(serve_emulator: Any, connect: Any) -> None:
    from hub.errors import UnavailableError

    served = serve_emulator(people=5, slow_rate=1.0, slow_seconds=0.5)
    connector = connect(served, timeout=0.05, retry_attempts=2)

    with pytest.raises(UnavailableError, match="timed out"):
        read_ids(connector)
    assert connector.client.http.calls[("GET /v3/candidates", 0)] == 2


def test_empty_result_yields_no_pages(serve_emulator: Any, connect: Any) -> None:
    connector = connect(serve_emulator(people=10))

    assert list(connector.read_changes("candidate", since=Cursor(FAR), until=FAR)) == []


def test_incremental_read_returns_only_later_changes(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=20)
    connector = connect(served)
    records = [
        r for p in connector.read_changes("candidate", since=None, until=FAR) for r in p.records
    ]
    newest = max(records, key=lambda r: (r.updated_at, int(r.external_id)))
    cursor = Cursor(newest.updated_at, newest.external_id)
    target = records[0].external_id

    assert read_ids(connector, since=cursor) == []
    served.admin("PATCH", f"/candidates/{target}", json={"title": "Staff Engineer"})

    assert read_ids(connector, since=cursor) == [target]
    assert read_ids(connector, since=cursor, until=newest.updated_at) == []


def test_follow_up_with_extra_parameters_is_refused(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=20)
    connector = connect(served, per_page=5)
    token_response = connector.client.http.client.get("/candidates", params={"per_page": 5})
    cursor = httpx.URL(token_response.links["next"]["url"]).params["cursor"]

    refused = connector.client.http.client.get(
        "/candidates", params={"cursor": cursor, "per_page": 5}
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "cursor"


def write(
    connector: GreenhouseConnector,
    object_type: str,
    action: str,
    data: dict[str, Any],
    external_id: str | None = None,
) -> Any:
    (result,) = connector.write([WriteOp(object_type, action, data, "key", external_id)])
    return result


def active_candidate_app(served: Any) -> dict[str, Any]:
    return next(
        a
        for a in served.emulator.state.tables["applications"].values()
        if a["status"] == "active" and not a["prospect"]
    )


def test_create_candidate_and_prospects(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=10)
    connector = connect(served)
    state = served.emulator.state
    job_id = next(iter(state.tables["jobs"]))
    owner = next(iter(state.tables["users"]))

    made = write(
        connector,
        "candidate",
        "create",
        {
            "first_name": "Ada",
            "last_name": "L",
            "email_addresses": [{"value": "ada@x.io", "type": "personal"}],
            "applications": [{"job_id": job_id}],
        },
    )
    jobless = write(connector, "prospect", "create", {"first_name": "Bo", "last_name": "K"})
    prospect_app = write(
        connector,
        "application",
        "create",
        {"candidate_id": int(jobless.external_id), "prospect": True, "job_ids": [job_id]},
    )
    pooled = write(
        connector,
        "prospect",
        "create",
        {"first_name": "Cy", "last_name": "M", "job_ids": [job_id], "prospect_owner_id": owner},
    )

    assert [made.ok, jobless.ok, pooled.ok] == [True, True, True]
    apps: dict[int, Any] = {}
    for app in state.tables["applications"].values():
        apps.setdefault(app["candidate_id"], app)  # each person's first application
    assert apps[int(made.external_id)]["job_ids"] == [job_id]
    jobless_app = apps[int(jobless.external_id)]
    assert (jobless_app["prospect"], jobless_app["job_ids"]) == (True, [])
    assert apps[int(pooled.external_id)]["prospect_owner_id"] == owner
    assert state.tables["applications"][int(prospect_app.external_id)]["job_ids"] == [job_id]


def test_create_with_missing_names_reports_the_fields(serve_emulator: Any, connect: Any) -> None:
    result = write(connect(serve_emulator(people=5)), "candidate", "create", {"first_name": "A"})

    assert not result.ok
    assert "last_name" in (result.error or "")


def test_truncated_create_is_polled_until_readable(
    serve_emulator: Any, connect: Any, recording_sleep: Any
) -> None:
    served = serve_emulator(people=5, truncated_creates=True, create_read_lag=2)
    connector = connect(served, create_poll_interval=0.01)

    result = write(connector, "prospect", "create", {"first_name": "Di", "last_name": "Q"})

    assert result.ok
    assert recording_sleep.waits == [0.01, 0.01]
    assert connector.fetch("candidate", [result.external_id])


def test_patch_candidate_read_modify_write(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=5)
    connector = connect(served)
    cid = next(iter(served.emulator.state.tables["candidates"]))
    before = served.emulator.state.tables["candidates"][cid]

    result = write(
        connector,
        "candidate",
        "update",
        {
            "last_name": "Renamed",
            "custom_fields": {"desired_salary": "100k"},
            "website_addresses": [{"value": "https://ada.dev", "type": "personal"}],
            "add": {
                "tags": ["Alumni"],
                "phone_numbers": [{"value": "+44 20 7946 0000", "type": "work"}],
            },
        },
        str(cid),
    )

    after = served.emulator.state.tables["candidates"][cid]
    assert result.ok
    assert after["last_name"] == "Renamed"
    assert after["tags"] == [*before["tags"], "Alumni"]
    assert after["phone_numbers"][: len(before["phone_numbers"])] == before["phone_numbers"]
    assert after["custom_fields"] == {"desired_salary": "100k"}


def test_add_application_move_reject_and_guards(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=10)
    connector = connect(served)
    state = served.emulator.state
    app = active_candidate_app(served)
    stages = [
        s["id"]
        for s in state.tables["job_interview_stages"].values()
        if s["job_id"] == app["job_ids"][0]
    ]
    target = next(s for s in stages if s != app["stage_id"])
    reason = next(iter(state.tables["rejection_reasons"]))

    wrong_guard = write(
        connector,
        "application",
        "move_stage",
        {"from_stage_id": -1, "to_stage_id": target},
        str(app["id"]),
    )
    moved = write(
        connector,
        "application",
        "move_stage",
        {"from_stage_id": app["stage_id"], "to_stage_id": target},
        str(app["id"]),
    )
    rejected = write(
        connector, "application", "reject", {"rejection_reason_id": reason}, str(app["id"])
    )
    again = write(
        connector, "application", "reject", {"rejection_reason_id": reason}, str(app["id"])
    )
    added = write(
        connector,
        "application",
        "create",
        {"candidate_id": app["candidate_id"], "job_id": app["job_ids"][0]},
    )

    assert not wrong_guard.ok
    assert "from_stage_id" in (wrong_guard.error or "")
    assert [moved.ok, rejected.ok, added.ok] == [True, True, True]
    assert state.tables["applications"][app["id"]]["status"] == "rejected"
    assert not again.ok
    assert "must be 'active'" in (again.error or "")
    assert state.tables["applications"][int(added.external_id)]["status"] == "active"


def test_convert_prospect_to_candidate(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=10)
    connector = connect(served)
    state = served.emulator.state
    prospect = next(
        a
        for a in state.tables["applications"].values()
        if a["prospect"] and a["status"] == "active"
    )
    job_id = next(iter(state.tables["jobs"]))

    result = write(connector, "application", "convert", {"job_id": job_id}, str(prospect["id"]))

    assert result.ok
    assert state.tables["applications"][prospect["id"]]["status"] == "converted"
    new = state.tables["applications"][int(result.external_id)]
    assert (new["prospect"], new["job_ids"], new["candidate_id"]) == (
        False,
        [job_id],
        prospect["candidate_id"],
    )


def test_admin_state_and_reset(serve_emulator: Any) -> None:
    served = serve_emulator(people=10)
    served.admin("POST", "/reset", json={"people": 3})

    counts = served.admin("GET", "/state").json()["counts"]
    assert counts["candidates"] == 3
    assert (
        served.admin("POST", "/settings", json={"rate_limit": 7}).json()["settings"]["rate_limit"]
        == 7
    )
    assert httpx.post(f"{served.url}/_emulator/settings", json={"nope": 1}).status_code == 422
    wrong_type = httpx.post(f"{served.url}/_emulator/settings", json={"rate_limit": "x"})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["field"] == "rate_limit"


def test_framework_validation_errors_use_greenhouse_error_shape(
    serve_emulator: Any, connect: Any
) -> None:
    connector = connect(serve_emulator(people=3))

    response = connector.client.http.client.post("/applications/abc/move", json={})

    assert response.status_code == 422
    assert response.json()["message"] == "Validation error"
    assert response.json()["errors"][0]["field"] == "application_id"


def test_unauthenticated_and_expired_requests_get_401(serve_emulator: Any) -> None:
    served = serve_emulator(people=3)

    assert httpx.get(f"{served.url}/v3/candidates").status_code == 401
    assert (
        httpx.get(
            f"{served.url}/v3/candidates", headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )


def test_token_endpoint_requires_client_credentials_grant(serve_emulator: Any) -> None:
    served = serve_emulator(people=3, client_id="id", client_secret="pw")
    user = next(iter(served.emulator.state.tables["users"]))

    bad = httpx.post(
        f"{served.url}/token",
        auth=("id", "wrong"),
        data={"grant_type": "client_credentials", "sub": user},
    )
    grant = httpx.post(
        f"{served.url}/token", auth=("id", "pw"), data={"grant_type": "password", "sub": user}
    )
    good = httpx.post(
        f"{served.url}/token",
        auth=("id", "pw"),
        data={"grant_type": "client_credentials", "sub": user},
    )

    assert (bad.status_code, grant.status_code, good.status_code) == (401, 400, 200)
    assert good.json()["token_type"] == "Bearer"


def test_seeded_duplicates_vary_like_real_ones(serve_emulator: Any) -> None:
    candidates = list(serve_emulator(people=10).emulator.state.tables["candidates"].values())
    person, twin = candidates[9], candidates[10]

    def mailbox(c: dict[str, Any]) -> str:
        local, _, domain = c["email_addresses"][0]["value"].partition("@")
        return local.split("+")[0].replace(".", "") + "@" + domain

    def digits(c: dict[str, Any]) -> str:
        return "".join(ch for ch in c["phone_numbers"][0]["value"] if ch.isdigit())[-10:]

    def handle(c: dict[str, Any]) -> str:
        return c["social_media_addresses"][0]["value"].rstrip("/").rsplit("/", 1)[-1]

    assert person["email_addresses"] != twin["email_addresses"]
    assert mailbox(person) == mailbox(twin)
    assert person["phone_numbers"][0]["value"] != twin["phone_numbers"][0]["value"]
    assert digits(person) == digits(twin)
    assert person["social_media_addresses"] != twin["social_media_addresses"]
    assert handle(person) == handle(twin)
    assert person["last_name"] == twin["last_name"]


def test_remove_tags_notes_and_anonymize(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=5)
    connector = connect(served)
    tables = served.emulator.state.tables
    cid = next(iter(tables["candidates"]))
    write(connector, "candidate", "update", {"add": {"tags": ["Alumni", "Silver"]}}, str(cid))
    removed = write(connector, "candidate", "update", {"remove": {"tags": ["silver"]}}, str(cid))
    assert removed.ok
    assert "Alumni" in tables["candidates"][cid]["tags"]
    assert "Silver" not in tables["candidates"][cid]["tags"]

    note = write(connector, "note", "create", {"candidate_id": cid, "body": "Met at PyCon."})
    assert note.ok
    assert tables["notes"][int(note.external_id)]["body"] == "Met at PyCon."
    blank = write(connector, "note", "create", {"candidate_id": cid, "body": ""})
    assert not blank.ok
    assert "body" in (blank.error or "")

    erased = write(connector, "candidate", "anonymize", {}, str(cid))
    assert erased.ok
    candidate = tables["candidates"][cid]
    assert candidate["first_name"] is None
    assert candidate["email_addresses"] == []
    assert "Alumni" in candidate["tags"]  # not personal: kept unless named
