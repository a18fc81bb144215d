from __future__ import annotations

import httpx
import pytest

from hub.connector import ConnectorContext
from hub.errors import (
    ConfigError,
    ConflictError,
    FatalError,
    FieldError,
    NotFoundError,
    UnavailableError,
)
from hub.http import ErrorBody, RateBudget, RateHeaders, RetryPolicy, VendorHTTP, build_http_client


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_http(handler, *, clock=None, budget=None, retry=None, parse_error=None) -> VendorHTTP:
    clock = clock or FakeClock()
    context = ConnectorContext(
        transport=httpx.MockTransport(handler), sleep=clock.sleep, monotonic=lambda: clock.now
    )
    return VendorHTTP(
        vendor="acme",
        client=build_http_client(base_url="https://api.acme.test", context=context),
        context=context,
        budget=budget,
        retry=retry or RetryPolicy(attempts=4),
        parse_error=parse_error or (lambda r: ErrorBody(message=r.json().get("message", ""))),
        read_rate_headers=lambda h: RateHeaders(
            limit=int(h["x-limit"]) if "x-limit" in h else None,
            remaining=int(h["x-remaining"]) if "x-remaining" in h else None,
        ),
    )


def responses(*items):
    queue = list(items)
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


def test_429_waits_retry_after_then_succeeds():
    clock = FakeClock()
    handler = responses(
        httpx.Response(429, headers={"Retry-After": "7"}, json={}),
        httpx.Response(200, json={"ok": 1}),
    )
    http = make_http(handler, clock=clock)
    assert http.request("GET", "/things", endpoint="GET /things").json() == {"ok": 1}
    assert clock.sleeps == [7.0]
    assert http.calls[("GET /things", 429)] == 1
    assert http.rate_limited == 1


def test_retry_after_is_clamped():
    clock = FakeClock()
    handler = responses(httpx.Response(429, headers={"Retry-After": "86400"}), httpx.Response(204))
    make_http(handler, clock=clock, retry=RetryPolicy(retry_after_cap=60)).request(
        "GET", "/x", endpoint="GET /x"
    )
    assert clock.sleeps == [60.0]


def test_5xx_and_network_errors_back_off_with_jitter_then_give_up():
    clock = FakeClock()
    handler = responses(
        httpx.Response(503),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(500),
    )
    with pytest.raises(UnavailableError, match="GET /x: HTTP 500"):
        make_http(handler, clock=clock, retry=RetryPolicy(attempts=4, base=1, cap=8)).request(
            "GET", "/x", endpoint="GET /x"
        )
    assert len(clock.sleeps) == 3
    assert all(0 <= s <= cap for s, cap in zip(clock.sleeps, [1, 2, 4], strict=True))


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, FatalError), (404, NotFoundError), (409, ConflictError), (422, FatalError)],
)
def test_other_4xx_are_not_retried(status, error):
    clock = FakeClock()
    handler = responses(httpx.Response(status, json={"message": "nope"}))
    with pytest.raises(error, match="nope"):
        make_http(handler, clock=clock).request("POST", "/x", endpoint="POST /x")
    assert clock.sleeps == []
    assert len(handler.seen) == 1


def test_vendor_field_errors_are_carried():
    def parse(response):
        body = response.json()
        return ErrorBody(
            message=body["message"],
            field_errors=[FieldError(e["field"], e["message"]) for e in body["errors"]],
        )

    handler = responses(
        httpx.Response(
            422,
            json={"message": "Validation error", "errors": [{"field": "type", "message": "bad"}]},
        )
    )
    with pytest.raises(FatalError) as info:
        make_http(handler, parse_error=parse).request("POST", "/x", endpoint="POST /x")
    assert info.value.field_errors == [FieldError("type", "bad")]
    assert info.value.status == 422


def test_403_is_a_config_error_naming_the_endpoint():
    handler = responses(
        httpx.Response(403, json={"message": "missing scope crm.objects.contacts.write"})
    )
    with pytest.raises(ConfigError, match="acme: POST /contacts: permission denied: missing scope"):
        make_http(handler).request("POST", "/contacts", endpoint="POST /contacts")


def test_budget_paces_requests_inside_the_window():
    clock = FakeClock()
    budget = RateBudget(limit=10, window=10.0, clock=lambda: clock.now, margin=0.0)
    sent_at: list[float] = []

    def handler(request):
        sent_at.append(clock.now)
        clock.now += 0.01  # each request takes 10 ms
        return httpx.Response(200, json={})

    http = make_http(handler, clock=clock, budget=budget)
    for _ in range(35):
        http.request("GET", "/x", endpoint="GET /x")
    busiest = max(sum(1 for t in sent_at if start <= t < start + 10.0) for start in sent_at)
    assert busiest == 10
    # paced, not stalled: 35 requests at 10 per window need just over three windows
    assert 30.0 <= clock.now < 31.0


def test_budget_trusts_the_vendor_when_it_reports_nothing_left():
    clock = FakeClock()
    budget = RateBudget(limit=100, window=10.0, clock=lambda: clock.now)
    handler = responses(
        httpx.Response(200, headers={"x-limit": "50", "x-remaining": "0"}, json={}),
        httpx.Response(200, json={}),
    )
    http = make_http(handler, clock=clock, budget=budget)
    http.request("GET", "/x", endpoint="GET /x")
    assert budget.limit == 50
    http.request("GET", "/x", endpoint="GET /x")
    assert clock.sleeps
    assert clock.sleeps[0] == pytest.approx(10.0)


def test_budget_off_when_limit_is_zero():
    clock = FakeClock()
    budget = RateBudget(limit=0, window=10.0, clock=lambda: clock.now)
    http = make_http(lambda r: httpx.Response(200), clock=clock, budget=budget)
    for _ in range(50):
        http.request("GET", "/x", endpoint="GET /x")
    assert clock.sleeps == []
