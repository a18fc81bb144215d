from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.plugin import hubspot_spec
from connectors.hubspot.search import ChangeReader
from connectors.hubspot.settings import HubSpotSettings
from hub.connector import ConnectorContext, Cursor, WriteOp
from hub.errors import BudgetExhaustedError, ConfigError, FatalError

BASE = "https://api.hubapi.com"
CONTACTS = f"{BASE}/crm/v3/objects/contacts"
ISO = "2026-03-01T10:00:00.000Z"


def contact(cid: int | str, ms: int | None = None, **props: str) -> dict[str, Any]:
    stamp = str(ms) if ms is not None else ISO
    return {
        "id": str(cid),
        "properties": {"lastmodifieddate": stamp, "hs_object_id": str(cid), **props},
        "createdAt": ISO,
        "updatedAt": ISO,
        "archived": False,
    }


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_connector(sleeps: list[float]):
    built: list[HubSpotConnector] = []

    def make(**settings: Any) -> HubSpotConnector:
        settings.setdefault("access_token", "pat-secret-token")
        settings.setdefault("rate_limit", 0)
        settings.setdefault("search_rate_per_second", 0)
        context = ConnectorContext(sleep=sleeps.append, monotonic=lambda: 0.0)
        conn = hubspot_spec().build(settings, context)
        assert isinstance(conn, HubSpotConnector)
        built.append(conn)
        return conn

    yield make
    for conn in built:
        conn.close()


def body_of(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)


def test_requests_carry_the_bearer_token_and_follow_after_cursors(
    httpx_mock: HTTPXMock, make_connector
):
    httpx_mock.add_response(
        json={"results": [contact(1)], "paging": {"next": {"after": "NTI1Cg%3D%3D"}}}
    )
    httpx_mock.add_response(json={"results": [contact(2)]})
    conn = make_connector()
    pages = list(conn.read_changes("contact", since=None, until=datetime(2030, 1, 1, tzinfo=UTC)))
    assert [r.external_id for p in pages for r in p.records] == ["1", "2"]
    first, second = httpx_mock.get_requests()
    assert first.headers["authorization"] == "Bearer pat-secret-token"
    assert first.url.params["limit"] == "100"
    assert "email" in first.url.params["properties"].split(",")
    assert "after" not in first.url.params
    assert second.url.params["after"] == "NTI1Cg%3D%3D"


def test_full_read_leaves_records_after_until_for_the_next_run(
    httpx_mock: HTTPXMock, make_connector
):
    late = contact(2)
    late["properties"]["lastmodifieddate"] = "2026-06-01T00:00:00.000Z"
    httpx_mock.add_response(json={"results": [contact(1), late]})
    conn = make_connector()
    until = datetime(2026, 4, 1, tzinfo=UTC)
    ids = [
        r.external_id
        for p in conn.read_changes("contact", since=None, until=until)
        for r in p.records
    ]
    assert ids == ["1"]


def test_401_is_a_config_error_saying_the_token_is_invalid(httpx_mock: HTTPXMock, make_connector):
    httpx_mock.add_response(
        status_code=401,
        json={
            "status": "error",
            "message": "Authentication credentials not found.",
            "category": "INVALID_AUTHENTICATION",
        },
    )
    conn = make_connector()
    with pytest.raises(ConfigError, match="token is invalid") as caught:
        list(conn.read_changes("contact", since=None, until=datetime(2030, 1, 1, tzinfo=UTC)))
    assert "pat-secret-token" not in str(caught.value)


def test_403_is_a_config_error_naming_the_missing_scope(httpx_mock: HTTPXMock, make_connector):
    httpx_mock.add_response(
        status_code=403,
        json={
            "status": "error",
            "message": "This app hasn't been granted all required scopes to make this call.",
            "category": "MISSING_SCOPES",
            "errors": [
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": ["crm.objects.contacts.write"]},
                }
            ],
        },
    )
    conn = make_connector()
    with pytest.raises(ConfigError, match=r"crm\.objects\.contacts\.write"):
        conn.write([WriteOp("contact", "patch", {"firstname": "A"}, "k", external_id="5")])


def test_batch_creates_are_chunked_by_100_with_trace_ids(httpx_mock: HTTPXMock, make_connector):
    def answer(request: httpx.Request) -> httpx.Response:
        inputs = body_of(request)["inputs"]
        results = [
            {
                **contact(1000 + int(i["objectWriteTraceId"]) + len(answer.seen)),
                "objectWriteTraceId": i["objectWriteTraceId"],
            }
            for i in inputs
        ]
        answer.seen.extend(inputs)
        return httpx.Response(201, json={"status": "COMPLETE", "results": results})

    answer.seen = []  # type: ignore[attr-defined]
    httpx_mock.add_callback(answer, url=f"{CONTACTS}/batch/create", is_reusable=True)
    conn = make_connector()
    ops = [
        WriteOp("contact", "create", {"email": f"p{i}@example.com"}, f"k{i}") for i in range(250)
    ]
    results = conn.write(ops)
    sizes = [len(body_of(r)["inputs"]) for r in httpx_mock.get_requests()]
    assert sizes == [100, 100, 50]
    assert all(r.ok for r in results)
    assert [r.op for r in results] == ops
    assert len({r.external_id for r in results}) == 250


def test_write_values_are_encoded_as_hubspot_strings(httpx_mock: HTTPXMock, make_connector):
    httpx_mock.add_response(url=f"{CONTACTS}/7", method="PATCH", json=contact(7))
    conn = make_connector()
    when = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    data = {
        "hub_nurture": True,
        "hubspot_owner_id": 17,
        "last_application_at": when,
        "birthday": when.date(),
        "company": None,
        "tags": ["a", "b"],
        "score": 2.0,
    }
    [result] = conn.write([WriteOp("contact", "patch", data, "k", external_id="7")])
    assert result.ok
    sent = body_of(httpx_mock.get_requests()[0])["properties"]
    assert sent == {
        "hub_nurture": "true",
        "hubspot_owner_id": "17",
        "last_application_at": "1772368200000",
        "birthday": "1772323200000",
        "company": "",
        "tags": "a;b",
        "score": "2",
    }


def test_lifecycle_action_clears_the_stage_then_sets_it(httpx_mock: HTTPXMock, make_connector):
    httpx_mock.add_response(url=f"{CONTACTS}/9", method="PATCH", json=contact(9), is_reusable=True)
    conn = make_connector()
    [result] = conn.write(
        [
            WriteOp(
                "contact", "set_lifecycle_stage", {"lifecyclestage": "lead"}, "k", external_id="9"
            )
        ]
    )
    assert result.ok
    sent = [body_of(r)["properties"] for r in httpx_mock.get_requests()]
    assert sent == [{"lifecyclestage": ""}, {"lifecyclestage": "lead"}]


def test_upsert_goes_by_email(httpx_mock: HTTPXMock, make_connector):
    httpx_mock.add_response(
        url=f"{CONTACTS}/batch/upsert",
        json={
            "status": "COMPLETE",
            "results": [{**contact(3, email="x@example.com"), "new": True}],
        },
    )
    conn = make_connector()
    [result] = conn.write([WriteOp("contact", "upsert", {"email": "X@example.com"}, "k")])
    assert result.ok
    assert result.external_id == "3"
    [item] = body_of(httpx_mock.get_requests()[0])["inputs"]
    assert item["idProperty"] == "email"
    assert item["id"] == "x@example.com"


def test_429_without_retry_after_waits_the_rate_interval(
    httpx_mock: HTTPXMock, make_connector, sleeps
):
    httpx_mock.add_response(
        status_code=429,
        headers={"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
        json={
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "category": "RATE_LIMITS",
            "policyName": "TEN_SECONDLY_ROLLING",
        },
    )
    httpx_mock.add_response(json={"results": []})
    conn = make_connector()
    list(conn.read_changes("contact", since=None, until=datetime(2030, 1, 1, tzinfo=UTC)))
    assert sleeps == [10.0]


def test_429_waits_retry_after_then_succeeds(httpx_mock: HTTPXMock, make_connector, sleeps):
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "3"}, json={"status": "error"})
    httpx_mock.add_response(json={"results": [contact(1)]})
    conn = make_connector()
    pages = list(conn.read_changes("contact", since=None, until=datetime(2030, 1, 1, tzinfo=UTC)))
    assert sleeps == [3.0]
    assert len(pages[0].records) == 1


def test_daily_429_stops_the_run(httpx_mock: HTTPXMock, make_connector):
    httpx_mock.add_response(
        status_code=429,
        json={
            "status": "error",
            "message": "You have reached your daily limit.",
            "category": "RATE_LIMITS",
            "policyName": "DAILY",
        },
    )
    conn = make_connector()
    with pytest.raises(BudgetExhaustedError):
        list(conn.read_changes("contact", since=None, until=datetime(2030, 1, 1, tzinfo=UTC)))


def test_run_stops_before_the_daily_reserve_is_spent(httpx_mock: HTTPXMock, make_connector):
    httpx_mock.add_response(
        headers={
            "X-HubSpot-RateLimit-Daily": "250000",
            "X-HubSpot-RateLimit-Daily-Remaining": "500",
        },
        json={"results": [contact(1)], "paging": {"next": {"after": "2"}}},
    )
    conn = make_connector(daily_reserve=500)
    pages = conn.read_changes("contact", since=None, until=datetime(2030, 1, 1, tzinfo=UTC))
    assert len(next(pages).records) == 1
    with pytest.raises(BudgetExhaustedError, match="reserve 500"):
        next(pages)
    assert len(httpx_mock.get_requests()) == 1


def test_pacing_follows_the_burst_budget(httpx_mock: HTTPXMock):
    sleeps: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    httpx_mock.add_response(json={"results": []}, is_reusable=True)
    settings = HubSpotSettings(access_token="t", rate_limit=10, search_rate_per_second=0)
    client = HubSpotClient(settings, ConnectorContext(sleep=sleep, monotonic=lambda: now[0]))
    for _ in range(20):
        client.list_contacts()
    client.close()
    assert sum(sleeps) >= 10.0  # 10 per 10 s less the margin: 20 calls need 2+ windows


def test_search_body_asks_for_an_ascending_window_on_lastmodifieddate(
    httpx_mock: HTTPXMock, make_connector
):
    httpx_mock.add_response(json={"total": 2, "results": [contact(5, 1000), contact(4, 1000)]})
    conn = make_connector()
    since = Cursor(datetime(1970, 1, 1, 0, 0, 0, 500000, tzinfo=UTC), "")
    pages = list(
        conn.read_changes("contact", since=since, until=datetime(1970, 1, 1, 0, 0, 2, tzinfo=UTC))
    )
    assert [r.external_id for p in pages for r in p.records] == ["4", "5"]  # tie broken by id
    body = body_of(httpx_mock.get_requests()[0])
    assert body["filterGroups"] == [
        {
            "filters": [
                {"propertyName": "lastmodifieddate", "operator": "GTE", "value": "500"},
                {"propertyName": "lastmodifieddate", "operator": "LTE", "value": "2000"},
            ]
        }
    ]
    assert body["sorts"] == [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    assert body["limit"] == 200


def fake_search(records: list[tuple[int, int]], cap: int):
    """A search endpoint over (ms, id) records honouring the filters the reader sends."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        filters = body["filterGroups"][0]["filters"]
        hits = records
        for f in filters:
            v = int(f["value"])
            key = (lambda r: r[0]) if f["propertyName"] == "lastmodifieddate" else (lambda r: r[1])
            ops = {
                "GTE": lambda a, b: a >= b,
                "LTE": lambda a, b: a <= b,
                "EQ": lambda a, b: a == b,
                "GT": lambda a, b: a > b,
            }
            hits = [r for r in hits if ops[f["operator"]](key(r), v)]
        hits = sorted(hits, key=lambda r: (r[0], -r[1]))  # vendor tie order is arbitrary
        if body["sorts"][0]["propertyName"] == "hs_object_id":
            hits = sorted(hits, key=lambda r: r[1])
        after = int(body.get("after", 0))
        assert after + body["limit"] <= cap, "query paged past the cap"
        page = hits[after : after + body["limit"]]
        out: dict[str, Any] = {"total": len(hits), "results": [contact(i, ms) for ms, i in page]}
        if after + body["limit"] < len(hits):
            out["paging"] = {"next": {"after": str(after + body["limit"])}}
        return httpx.Response(200, json=out)

    return answer


def test_windows_over_the_cap_are_bisected_and_crowded_milliseconds_walked_by_id(
    httpx_mock: HTTPXMock,
):
    records = [(ms, 1000 + ms * 10 + k) for ms in range(1, 60) for k in range(3)]
    records += [(30, 5000 + k) for k in range(25)]  # one millisecond over the cap
    httpx_mock.add_callback(fake_search(records, cap=20), is_reusable=True)
    settings = HubSpotSettings(access_token="t", rate_limit=0, search_rate_per_second=0)
    client = HubSpotClient(settings, ConnectorContext(sleep=lambda s: None))
    reader = ChangeReader(client, ["email"], page_size=5, cap=20)
    since = Cursor(datetime(1970, 1, 1, 0, 0, 0, 3000, tzinfo=UTC), "1031")
    until = datetime(1970, 1, 1, 0, 0, 0, 55000, tzinfo=UTC)
    got = [
        (int(r.data["properties"]["lastmodifieddate"]), int(r.external_id))
        for page in reader.read(since=since, until=until)
        for r in page
    ]
    client.close()
    expected = sorted(r for r in records if r > (3, 1031) and r[0] <= 55)
    assert got == expected
    assert any(
        body_of(r)["sorts"][0]["propertyName"] == "hs_object_id" for r in httpx_mock.get_requests()
    )


def test_error_messages_name_fields_not_values(httpx_mock: HTTPXMock, make_connector):
    message = (
        'Property values were not valid: [{"isValid":false,"message":"jane@x was not a '
        'valid email.","error":"INVALID_EMAIL","name":"email"}]'
    )
    httpx_mock.add_response(
        status_code=400,
        json={"status": "error", "message": message, "category": "VALIDATION_ERROR"},
    )
    conn = make_connector()
    [result] = conn.write([WriteOp("contact", "patch", {"email": "jane@x"}, "k", external_id="1")])
    assert not result.ok
    assert not result.retryable
    assert "email (INVALID_EMAIL)" in (result.error or "")
    assert "jane" not in (result.error or "")


def test_fatal_errors_keep_the_vendor_category(httpx_mock: HTTPXMock):
    httpx_mock.add_response(
        status_code=400, json={"status": "error", "message": "bad", "category": "VALIDATION_ERROR"}
    )
    client = HubSpotClient(HubSpotSettings(access_token="t", rate_limit=0), ConnectorContext())
    with pytest.raises(FatalError) as caught:
        client.create_contact({"email": "a@b.co"})
    client.close()
    assert caught.value.category == "VALIDATION_ERROR"
