"""The shared HTTP layer tells observers of every attempt, so connectors need no change."""

from __future__ import annotations

import httpx
import pytest

from hub.errors import RateLimitedError
from hub.http import RateBudget, RetryPolicy, VendorCall, add_observer
from tests.http.test_vendor_http import FakeClock, make_http, responses


@pytest.fixture
def calls():
    seen: list[VendorCall] = []
    remove = add_observer(seen.append)
    yield seen
    remove()


def test_every_attempt_is_reported_with_status_and_endpoint(calls):
    handler = responses(
        httpx.Response(429, headers={"retry-after": "2"}),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={}),
    )
    http = make_http(handler)
    http.request("GET", "/things", endpoint="GET /things")
    assert [(c.vendor, c.endpoint, c.status) for c in calls] == [
        ("acme", "GET /things", 429),
        ("acme", "GET /things", 0),
        ("acme", "GET /things", 200),
    ]
    assert all(c.budget_used is None and c.waited == 0 for c in calls)


def test_pacing_wait_and_budget_use_are_reported(calls):
    clock = FakeClock()
    budget = RateBudget(limit=2, window=10, clock=lambda: clock.now, margin=0)
    http = make_http(responses(*[httpx.Response(200, json={})] * 3), clock=clock, budget=budget)
    for _ in range(3):
        http.request("GET", "/x", endpoint="GET /x")
    assert [c.budget_used for c in calls] == [0.5, 1.0, 0.5]
    assert [c.waited for c in calls] == [0, 0, 10]


def test_a_failing_observer_never_breaks_a_request(calls):
    def broken(call: VendorCall) -> None:
        raise RuntimeError("observer bug")

    remove = add_observer(broken)
    try:
        http = make_http(responses(httpx.Response(200, json={"ok": True})))
        assert http.request("GET", "/x", endpoint="GET /x").json() == {"ok": True}
    finally:
        remove()
    assert len(calls) == 1


def test_removed_observer_hears_nothing_more():
    seen: list[VendorCall] = []
    remove = add_observer(seen.append)
    remove()
    http = make_http(responses(httpx.Response(429)), retry=RetryPolicy(attempts=1))
    with pytest.raises(RateLimitedError):
        http.request("GET", "/x", endpoint="GET /x")
    assert seen == []
