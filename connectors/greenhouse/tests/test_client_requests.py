from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpx import HTTPXMock

from connectors.greenhouse.connector import GreenhouseConnector
from connectors.greenhouse.plugin import build_connector
from connectors.greenhouse.settings import GreenhouseSettings
from hub import ConnectorContext, Cursor, WriteOp
from hub.errors import AuthExpiredError, ConfigError, FatalError

TOKEN_URL = "https://auth.test/token"
API = "https://harvest.test/v3"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CANDIDATES = re.compile(r"https://harvest\.test/v3/candidates.*")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def gh(
    make_settings: Callable[..., GreenhouseSettings], clock: FakeClock, sleeps: list[float]
) -> Callable[..., GreenhouseConnector]:
    def build(**overrides: Any) -> GreenhouseConnector:
        context = ConnectorContext(sleep=sleeps.append, monotonic=clock)
        return build_connector(make_settings(**overrides), context)

    return build


def candidate(cid: int, updated: str = "2026-11-01T10:00:00.000Z") -> dict[str, Any]:
    return {"id": cid, "updated_at": updated, "first_name": "A", "last_name": "B"}


def add_token(httpx_mock: HTTPXMock, *, token: str = "tok-1", expires_in: int = 3600) -> None:
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, json={"access_token": token, "expires_in": expires_in}
    )


def read_all(connector: GreenhouseConnector, since: Cursor | None = None) -> list[str]:
    pages = connector.read_changes("candidate", since=since, until=NOW)
    return [r.external_id for page in pages for r in page.records]


def test_token_request_uses_basic_auth_form_body_and_sub(httpx_mock: HTTPXMock, gh: Any) -> None:
    add_token(httpx_mock)
    httpx_mock.add_response(url=CANDIDATES, json=[])

    read_all(gh())

    token_request = httpx_mock.get_requests(url=TOKEN_URL)[0]
    basic = base64.b64encode(b"client-1:s3cret").decode()
    assert token_request.headers["authorization"] == f"Basic {basic}"
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "sub": ["1001"],
    }
    api_request = httpx_mock.get_requests(url=CANDIDATES)[0]
    assert api_request.headers["authorization"] == "Bearer tok-1"


def test_token_is_reused_until_shortly_before_expiry(
    httpx_mock: HTTPXMock, gh: Any, clock: FakeClock
) -> None:
    add_token(httpx_mock, token="tok-1")
    add_token(httpx_mock, token="tok-2")
    httpx_mock.add_response(url=CANDIDATES, json=[], is_reusable=True)
    connector = gh()

    read_all(connector)
    clock.now += 3000  # still inside the hour less the renewal margin
    read_all(connector)
    clock.now += 560  # within 60 s of expiry: renew first
    read_all(connector)

    bearer = [r.headers["authorization"] for r in httpx_mock.get_requests(url=CANDIDATES)]
    assert bearer == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_401_refreshes_the_token_once_and_retries(httpx_mock: HTTPXMock, gh: Any) -> None:
    add_token(httpx_mock, token="old")
    add_token(httpx_mock, token="new")
    bearer: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        # Record at call time: httpx re-sends the same request object with a new header.
        bearer.append(request.headers["authorization"])
        if len(bearer) == 1:
            return httpx.Response(401, json={"message": "expired"})
        return httpx.Response(200, json=[candidate(1)])

    httpx_mock.add_callback(answer, url=CANDIDATES, is_reusable=True)

    assert read_all(gh()) == ["1"]
    assert bearer == ["Bearer old", "Bearer new"]


def test_401_after_a_fresh_token_raises_auth_expired(httpx_mock: HTTPXMock, gh: Any) -> None:
    add_token(httpx_mock, token="old")
    add_token(httpx_mock, token="new")
    httpx_mock.add_response(
        url=CANDIDATES, status_code=401, json={"message": "no"}, is_reusable=True
    )

    with pytest.raises(AuthExpiredError):
        read_all(gh())
    assert len(httpx_mock.get_requests(url=TOKEN_URL)) == 2


def test_refused_client_credentials_are_a_config_error(httpx_mock: HTTPXMock, gh: Any) -> None:
    httpx_mock.add_response(method="POST", url=TOKEN_URL, status_code=401, json={"error": "x"})

    with pytest.raises(ConfigError, match="client credentials") as caught:
        read_all(gh())
    assert "s3cret" not in str(caught.value)


def test_403_is_a_config_error_naming_endpoint_and_permission(
    httpx_mock: HTTPXMock, gh: Any
) -> None:
    add_token(httpx_mock)
    httpx_mock.add_response(url=CANDIDATES, status_code=403, json={"message": "Forbidden"})

    with pytest.raises(ConfigError) as caught:
        read_all(gh())
    assert "GET /v3/candidates" in str(caught.value)
    assert "harvest:candidates:list" in str(caught.value)


def test_first_request_carries_filters_and_follow_ups_only_the_cursor(
    httpx_mock: HTTPXMock, gh: Any
) -> None:
    add_token(httpx_mock)
    next_link = {"Link": f'<{API}/candidates?cursor=abc123>; rel="next"'}
    httpx_mock.add_response(url=CANDIDATES, json=[candidate(1)], headers=next_link)
    httpx_mock.add_response(url=CANDIDATES, json=[candidate(2)])
    since = Cursor(datetime(2026, 10, 1, tzinfo=UTC))

    assert read_all(gh(per_page=250), since) == ["1", "2"]

    first, follow_up = httpx_mock.get_requests(url=CANDIDATES)
    assert dict(first.url.params) == {
        "updated_at": "gte|2026-10-01T00:00:00.000Z",
        "per_page": "250",
    }
    assert dict(follow_up.url.params) == {"cursor": "abc123"}


def test_a_repeated_cursor_raises_instead_of_looping(httpx_mock: HTTPXMock, gh: Any) -> None:
    add_token(httpx_mock)
    loop = {"Link": f'<{API}/candidates?cursor=same>; rel="next"'}
    httpx_mock.add_response(url=CANDIDATES, json=[candidate(1)], headers=loop, is_reusable=True)

    with pytest.raises(FatalError, match="repeated a cursor"):
        read_all(gh())
    assert len(httpx_mock.get_requests(url=CANDIDATES)) == 2


def test_records_at_or_before_the_cursor_and_after_until_are_skipped(
    httpx_mock: HTTPXMock, gh: Any
) -> None:
    add_token(httpx_mock)
    at = "2026-11-01T10:00:00.000Z"
    records = [
        candidate(5, at),
        candidate(7, at),
        candidate(3, "2026-11-02T00:00:00Z"),
        candidate(9, "2026-11-30T00:00:00Z"),
        candidate(2, "2026-10-01T00:00:00Z"),
    ]
    httpx_mock.add_response(url=CANDIDATES, json=records)
    since = Cursor(datetime(2026, 11, 1, 10, tzinfo=UTC), last_id="5")

    assert read_all(gh(), since) == ["7", "3"]


def test_422_raises_fatal_error_with_vendor_message_and_fields(
    httpx_mock: HTTPXMock, gh: Any
) -> None:
    add_token(httpx_mock)
    body = {
        "message": "Validation error",
        "errors": [{"message": "Must be one of: x", "field": "type"}],
    }
    httpx_mock.add_response(url=CANDIDATES, status_code=422, json=body)

    with pytest.raises(FatalError) as caught:
        read_all(gh())
    assert str(caught.value) == "Validation error"
    assert [(f.field, f.message) for f in caught.value.field_errors] == [
        ("type", "Must be one of: x")
    ]
    assert len(httpx_mock.get_requests(url=CANDIDATES)) == 1


def test_429_waits_retry_after_then_succeeds(
    httpx_mock: HTTPXMock, gh: Any, sleeps: list[float]
) -> None:
    add_token(httpx_mock)
    httpx_mock.add_response(url=CANDIDATES, status_code=429, headers={"Retry-After": "7"})
    httpx_mock.add_response(url=CANDIDATES, json=[candidate(1)])

    assert read_all(gh()) == ["1"]
    assert sleeps == [7.0]


def test_retry_after_is_clamped(httpx_mock: HTTPXMock, gh: Any, sleeps: list[float]) -> None:
    add_token(httpx_mock)
    httpx_mock.add_response(url=CANDIDATES, status_code=429, headers={"Retry-After": "3600"})
    httpx_mock.add_response(url=CANDIDATES, json=[])

    read_all(gh(retry_after_cap=30))
    assert sleeps == [30.0]


def test_5xx_and_network_errors_are_retried_with_bounded_backoff(
    httpx_mock: HTTPXMock, gh: Any, sleeps: list[float]
) -> None:
    add_token(httpx_mock)
    httpx_mock.add_response(url=CANDIDATES, status_code=503)
    httpx_mock.add_exception(httpx.ReadError("reset"), url=CANDIDATES)
    httpx_mock.add_response(url=CANDIDATES, status_code=500)
    httpx_mock.add_response(url=CANDIDATES, json=[candidate(1)])

    assert read_all(gh()) == ["1"]
    assert len(sleeps) == 3
    assert all(0 <= s <= 30 for s in sleeps)


def test_5xx_gives_up_after_the_configured_attempts(httpx_mock: HTTPXMock, gh: Any) -> None:
    add_token(httpx_mock)
    httpx_mock.add_response(url=CANDIDATES, status_code=500, is_reusable=True)

    with pytest.raises(Exception, match="HTTP 500"):
        read_all(gh(retry_attempts=3))
    assert len(httpx_mock.get_requests(url=CANDIDATES)) == 3


def test_low_remaining_rate_budget_waits_before_the_next_request(
    httpx_mock: HTTPXMock, gh: Any, sleeps: list[float]
) -> None:
    add_token(httpx_mock)
    exhausted = {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "0",
        "Link": f'<{API}/candidates?cursor=n>; rel="next"',
    }
    httpx_mock.add_response(url=CANDIDATES, json=[candidate(1)], headers=exhausted)
    httpx_mock.add_response(url=CANDIDATES, json=[candidate(2)])

    assert read_all(gh(rate_limit=50)) == ["1", "2"]
    assert len(sleeps) == 1
    assert 0 < sleeps[0] <= 10


def write_one(connector: GreenhouseConnector, op: WriteOp) -> Any:
    (result,) = connector.write([op])
    return result


def op(
    object_type: str, action: str, data: dict[str, Any], external_id: str | None = None
) -> WriteOp:
    return WriteOp(object_type, action, data, idempotency_key="k", external_id=external_id)


def test_move_stage_posts_the_guard_and_target(httpx_mock: HTTPXMock, gh: Any) -> None:
    add_token(httpx_mock)
    httpx_mock.add_response(method="POST", url=f"{API}/applications/55/move", status_code=204)

    result = write_one(
        gh(), op("application", "move_stage", {"from_stage_id": 1, "to_stage_id": 2}, "55")
    )

    assert result.ok
    sent = httpx_mock.get_requests(url=f"{API}/applications/55/move")[0]
    assert json.loads(sent.content) == {"from_stage_id": 1, "to_stage_id": 2}


def test_reject_without_a_reason_fails_without_calling_greenhouse(gh: Any) -> None:
    result = write_one(gh(), op("application", "reject", {"notes": "x"}, "55"))

    assert not result.ok
    assert "rejection_reason_id" in (result.error or "")


def test_patch_with_add_merges_into_current_arrays(httpx_mock: HTTPXMock, gh: Any) -> None:
    add_token(httpx_mock)
    current = candidate(42) | {
        "tags": ["Python"],
        "email_addresses": [{"value": "a@x.io", "type": "work"}],
    }
    httpx_mock.add_response(url=CANDIDATES, json=[current])
    httpx_mock.add_response(method="PATCH", url=f"{API}/candidates/42", json=current)
    data = {
        "title": "CTO",
        "add": {
            "tags": ["python", "Alumni"],
            "email_addresses": [
                {"value": "A@x.io", "type": "work"},
                {"value": "b@y.io", "type": "personal"},
            ],
        },
    }

    result = write_one(gh(), op("candidate", "update", data, "42"))

    assert result.ok
    patch = httpx_mock.get_requests(method="PATCH")[0]
    assert json.loads(patch.content) == {
        "title": "CTO",
        "tags": ["Python", "Alumni"],
        "email_addresses": [
            {"value": "a@x.io", "type": "work"},
            {"value": "b@y.io", "type": "personal"},
        ],
    }
    assert httpx_mock.get_requests(url=CANDIDATES)[0].url.params["ids"] == "42"


def test_truncated_create_is_polled_until_readable(
    httpx_mock: HTTPXMock, gh: Any, sleeps: list[float]
) -> None:
    add_token(httpx_mock)
    httpx_mock.add_response(
        method="POST", url=f"{API}/candidates", status_code=201, json={"id": 77}
    )
    httpx_mock.add_response(url=CANDIDATES, json=[])
    httpx_mock.add_response(url=CANDIDATES, json=[candidate(77)])

    result = write_one(
        gh(create_poll_interval=2.0),
        op("candidate", "create", {"first_name": "A", "last_name": "B"}),
    )

    assert (result.ok, result.external_id) == (True, "77")
    assert sleeps == [2.0]


def test_vendor_validation_error_becomes_a_failed_result(httpx_mock: HTTPXMock, gh: Any) -> None:
    add_token(httpx_mock)
    body = {
        "message": "Validation error",
        "errors": [{"message": "Does not match", "field": "from_stage_id"}],
    }
    httpx_mock.add_response(
        method="POST", url=f"{API}/applications/9/move", status_code=422, json=body
    )

    result = write_one(gh(), op("application", "move_stage", {"from_stage_id": 3}, "9"))

    assert (result.ok, result.retryable) == (False, False)
    assert "from_stage_id: Does not match" in (result.error or "")


def test_unsupported_write_is_a_failed_result(gh: Any) -> None:
    result = write_one(gh(), op("job", "create", {}))

    assert not result.ok
    assert "unsupported" in (result.error or "")


def test_settings_reject_unknown_keys(make_settings: Callable[..., GreenhouseSettings]) -> None:
    with pytest.raises(ValueError, match="extra"):
        make_settings(api_key="x")


def test_setup_has_nothing_to_create(gh: Any) -> None:
    assert gh().setup() == []
