"""Writes sent side by side: order, chains, bounds, pacing, errors and reads ahead."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from connectors.greenhouse.connector import GreenhouseConnector
from connectors.greenhouse.dispatch import plan_chains
from connectors.greenhouse.plugin import build_connector
from connectors.greenhouse.settings import GreenhouseSettings
from hub import ConnectorContext, WriteOp
from hub.errors import AuthExpiredError, ConfigError

# Only a guard against a hung test: with the behaviour under test the waits end at once.
HANG = 10.0


class ThreadClock:
    """Fake monotonic time in which each thread sends exactly when its sleep ends.

    Every thread keeps its own time (starting at the latest any thread has reached) and
    ``sleep`` moves it on; the time a request reaches the transport is therefore exactly the
    slot the rate budget gave it, with no scheduling noise.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self.latest = 0.0

    def _get(self) -> float:
        if not hasattr(self._local, "now"):
            self._local.now = self.latest
        now: float = self._local.now
        return now

    def __call__(self) -> float:
        time.sleep(0)  # a thread switch may come at any point: let it come here
        with self._lock:
            return self._get()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._local.now = self._get() + seconds
            self.latest = max(self.latest, self._local.now)


class FakeHarvest:
    """Harvest v3 candidates in memory behind ``httpx.MockTransport``, thread-safe.

    ``hold`` runs before an API request is answered (to block it); ``answer`` may replace the
    answer. Records every API request with its thread and the time ``clock`` gave it.
    """

    def __init__(self, clock: Callable[[], float] = lambda: 0.0) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.candidates = {
            str(i): {"id": i, "updated_at": "2026-11-01T10:00:00Z", "tags": [f"t{i}"]}
            for i in range(1, 41)
        }
        self.sent: list[tuple[str, str, float]] = []
        self.answered: list[str] = []
        self.threads: set[int] = set()
        self.tokens = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.hold: Callable[[httpx.Request], None] = lambda request: None
        self.answer: Callable[[httpx.Request], httpx.Response | None] = lambda request: None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            with self.lock:
                self.tokens += 1
                token = f"tok-{self.tokens}"
            self.hold(request)
            return httpx.Response(200, json={"access_token": token, "expires_in": 3600})
        with self.lock:
            self.sent.append((request.method, request.url.path, self.clock()))
            self.threads.add(threading.get_ident())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self.hold(request)
            return self.answer(request) or self._answer(request)
        finally:
            with self.lock:
                self.in_flight -= 1
                self.answered.append(request.url.path)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v3")
        with self.lock:
            if request.method == "GET" and path == "/candidates":
                ids = request.url.params["ids"].split(",")
                return httpx.Response(200, json=[self.candidates[i] for i in ids if i in self])
            cid = path.rsplit("/", 1)[-1]
            if request.method == "PATCH" and cid in self:
                self.candidates[cid] = {**self.candidates[cid], **json.loads(request.content)}
                return httpx.Response(200, json=self.candidates[cid])
        return httpx.Response(404, json={"message": "Resource not found"})

    def __contains__(self, cid: str) -> bool:
        return cid in self.candidates


@pytest.fixture
def harvest() -> FakeHarvest:
    return FakeHarvest()


@pytest.fixture
def connect_fake(
    make_settings: Callable[..., GreenhouseSettings],
) -> Iterator[Callable[..., GreenhouseConnector]]:
    built: list[GreenhouseConnector] = []

    def connect(
        harvest: FakeHarvest, *, clock: ThreadClock | None = None, **overrides: Any
    ) -> GreenhouseConnector:
        context = ConnectorContext(
            transport=httpx.MockTransport(harvest),
            sleep=clock.sleep if clock else lambda seconds: None,
            monotonic=clock or (lambda: 0.0),
        )
        connector = build_connector(make_settings(**overrides), context)
        built.append(connector)
        return connector

    yield connect
    for connector in built:
        connector.close()


def update(cid: int | str, data: dict[str, Any] | None = None) -> WriteOp:
    return WriteOp(
        "candidate", "update", data or {"title": f"T{cid}"}, f"k{cid}", external_id=str(cid)
    )


def test_results_come_back_in_op_order_whatever_finishes_first(
    harvest: FakeHarvest, connect_fake: Any
) -> None:
    last_answered = threading.Event()

    def hold(request: httpx.Request) -> None:
        # The first op is answered after the last one.
        if request.url.path.endswith("/candidates/1"):
            assert last_answered.wait(HANG)
        elif request.url.path.endswith("/candidates/8"):
            last_answered.set()

    harvest.hold = hold
    ops = [update(i) for i in range(1, 9)]

    results = connect_fake(harvest, write_concurrency=4).write(ops)

    assert [r.op for r in results] == ops
    assert all(r.ok for r in results)
    assert [r.external_id for r in results] == [str(i) for i in range(1, 9)]
    answered = harvest.answered
    assert answered.index("/v3/candidates/1") > answered.index("/v3/candidates/8")


def test_ops_on_one_record_keep_their_order(harvest: FakeHarvest, connect_fake: Any) -> None:
    bodies: list[tuple[str, str]] = []
    others_done = threading.Event()
    others = {"/v3/candidates/2", "/v3/candidates/3", "/v3/candidates/4"}
    seen_others: set[str] = set()

    def hold(request: httpx.Request) -> None:
        path = request.url.path
        if path == "/token":
            return
        title = json.loads(request.content)["title"]
        with harvest.lock:
            bodies.append((path, title))
            seen_others.update({path} & others)
            if seen_others == others:
                others_done.set()
        # Hold the first write to candidate 1 until every other candidate was written: a
        # second write to 1 sent meanwhile would arrive first.
        if (path, title) == ("/v3/candidates/1", "a"):
            assert others_done.wait(HANG)

    harvest.hold = hold
    ops = [
        update(1, {"title": "a"}),
        update(2),
        update(1, {"title": "b"}),
        update(3),
        update(1, {"title": "c"}),
        update(4),
    ]

    results = connect_fake(harvest, write_concurrency=4).write(ops)

    assert all(r.ok for r in results)
    assert [t for p, t in bodies if p == "/v3/candidates/1"] == ["a", "b", "c"]
    assert harvest.candidates["1"]["title"] == "c"


def test_writes_overlap_up_to_the_configured_concurrency(
    harvest: FakeHarvest, connect_fake: Any
) -> None:
    # Passes only once four PATCHes are in flight together.
    four_at_once = threading.Barrier(4)
    harvest.hold = lambda request: (
        four_at_once.wait(HANG) if request.url.path.endswith(("/1", "/2", "/3", "/4")) else None
    )

    results = connect_fake(harvest, write_concurrency=4).write([update(i) for i in range(1, 13)])

    assert all(r.ok for r in results)
    assert harvest.max_in_flight == 4
    assert threading.get_ident() not in harvest.threads


def test_concurrency_one_sends_one_by_one_in_the_callers_thread(
    harvest: FakeHarvest, connect_fake: Any
) -> None:
    ops = [update(i) for i in range(1, 9)]

    results = connect_fake(harvest, write_concurrency=1).write(ops)

    assert [r.op for r in results] == ops
    assert harvest.max_in_flight == 1
    assert harvest.threads == {threading.get_ident()}
    assert [path for _, path, _ in harvest.sent] == [f"/v3/candidates/{i}" for i in range(1, 9)]


def test_the_rate_budget_holds_with_requests_in_flight(connect_fake: Any) -> None:
    clock = ThreadClock()
    harvest = FakeHarvest(clock)
    connector = connect_fake(
        harvest, clock=clock, rate_limit=10, rate_window=10.0, write_concurrency=8
    )
    budget = connector.client.http.budget
    assert budget is not None

    results = connector.write([update(i) for i in range(1, 41)])

    assert all(r.ok for r in results)
    times = sorted(at for _, _, at in harvest.sent)
    assert len(times) == 40
    busiest = max(sum(1 for t in times if end - 10.0 < t <= end) for end in times)
    assert busiest == budget.effective_limit == 9
    # paced, not stalled: 40 requests at 9 a window fill the fifth window
    assert times[-1] == 40.0


def test_a_config_error_ends_the_batch_and_is_raised(
    harvest: FakeHarvest, connect_fake: Any
) -> None:
    harvest.answer = lambda request: (
        httpx.Response(403, json={"message": "Forbidden"})
        if request.url.path.endswith("/candidates/3")
        else None
    )
    ops = [update(1), update(2), update(3), update(3, {"title": "again"}), update(4)]

    with pytest.raises(ConfigError, match="permission denied"):
        connect_fake(harvest, write_concurrency=2).write(ops)

    assert [p for _, p, _ in harvest.sent].count("/v3/candidates/3") == 1


def test_an_auth_error_is_raised_from_write(harvest: FakeHarvest, connect_fake: Any) -> None:
    harvest.answer = lambda request: httpx.Response(401, json={"message": "Unauthorized"})

    with pytest.raises(AuthExpiredError):
        connect_fake(harvest, write_concurrency=4).write([update(i) for i in range(1, 9)])


def test_concurrent_writes_share_one_token(harvest: FakeHarvest, connect_fake: Any) -> None:
    never = threading.Event()
    # Keep the token request open a moment, so the other writers reach the auth meanwhile.
    harvest.hold = lambda request: never.wait(0.2) if request.url.path == "/token" else None

    results = connect_fake(harvest, write_concurrency=4).write([update(i) for i in range(1, 9)])

    assert all(r.ok for r in results)
    assert harvest.tokens == 1


def test_a_refused_token_is_renewed_once_for_all_writers(
    harvest: FakeHarvest, connect_fake: Any
) -> None:
    refused: set[str] = {"Bearer tok-1"}
    harvest.answer = lambda request: (
        httpx.Response(401, json={"message": "expired"})
        if request.headers["authorization"] in refused
        else None
    )
    connector = connect_fake(harvest, write_concurrency=4)

    results = connector.write([update(i) for i in range(1, 9)])

    assert all(r.ok for r in results)
    assert harvest.tokens == 2
    assert connector.client.auth.tokens_issued == 2


def test_candidates_to_merge_into_are_read_in_one_request(
    harvest: FakeHarvest, connect_fake: Any
) -> None:
    ops = [
        update(1, {"add": {"tags": ["Alumni"]}}),
        update(2, {"remove": {"tags": ["T2"]}}),
        update(3, {"add": {"tags": ["Alumni"]}}),
        update(1, {"add": {"tags": ["Silver"]}}),  # must see what the first op wrote
        update(99, {"add": {"tags": ["Alumni"]}}),
    ]

    results = connect_fake(harvest, write_concurrency=4).write(ops)

    reads = [path for method, path, _ in harvest.sent if method == "GET"]
    assert reads == ["/v3/candidates", "/v3/candidates"]
    assert [r.ok for r in results] == [True, True, True, True, False]
    assert results[4].error == "candidate 99 not found"
    assert harvest.candidates["1"]["tags"] == ["t1", "Alumni", "Silver"]
    assert harvest.candidates["2"]["tags"] == []
    assert harvest.candidates["3"]["tags"] == ["t3", "Alumni"]


def test_read_ahead_asks_for_all_first_touched_ids_at_once(
    harvest: FakeHarvest, connect_fake: Any
) -> None:
    asked: list[str] = []

    def hold(request: httpx.Request) -> None:
        if request.method == "GET":
            asked.append(request.url.params["ids"])

    harvest.hold = hold
    ops = [update(i, {"add": {"tags": ["x"]}}) for i in (1, 2, 3)] + [
        update(1, {"add": {"tags": ["y"]}})
    ]

    connect_fake(harvest, write_concurrency=1).write(ops)

    assert asked == ["1,2,3", "1"]


def test_a_failed_read_ahead_falls_back_to_one_read_per_op(
    harvest: FakeHarvest, connect_fake: Any
) -> None:
    harvest.answer = lambda request: (
        httpx.Response(500) if "," in request.url.params.get("ids", "") else None
    )
    ops = [update(i, {"add": {"tags": ["Alumni"]}}) for i in (1, 2, 3)]

    results = connect_fake(harvest, write_concurrency=2, retry_attempts=1).write(ops)

    assert all(r.ok for r in results)
    reads = [path for method, path, _ in harvest.sent if method == "GET"]
    assert len(reads) == 4  # the failed one for all three, then one each
    assert [c["tags"] for c in (harvest.candidates[i] for i in "123")] == [
        ["t1", "Alumni"],
        ["t2", "Alumni"],
        ["t3", "Alumni"],
    ]


def _op(object_type: str, action: str, external_id: str | None = None, **data: Any) -> WriteOp:
    return WriteOp(object_type, action, data, "k", external_id=external_id)


def test_chains_join_ops_on_one_record_and_keep_batch_order() -> None:
    ops = [
        _op("candidate", "update", "1"),
        _op("candidate", "create", first_name="A"),
        _op("candidate", "update", "2"),
        _op("candidate", "merge", "1", duplicate_id="2"),  # joins the chains of 1 and 2
        _op("note", "create", candidate_id=2, body="x"),
        _op("application", "move_stage", "2", from_stage_id=1),  # application 2, not candidate
        _op("candidate", "create", first_name="B"),
        _op("application", "create", candidate_id="3"),
        _op("candidate", "update", "3"),
    ]

    assert plan_chains(ops) == [[0, 2, 3, 4], [1], [5], [6], [7, 8]]


def test_chains_of_independent_ops_are_one_op_each() -> None:
    assert plan_chains([_op("candidate", "update", str(i)) for i in range(3)]) == [[0], [1], [2]]
    assert plan_chains([]) == []


def test_side_by_side_writes_reach_the_emulator(serve_emulator: Any, connect: Any) -> None:
    served = serve_emulator(people=20)
    connector = connect(served, write_concurrency=4)
    tables = served.emulator.state.tables
    ids = list(tables["candidates"])[:12]
    before = {cid: list(tables["candidates"][cid]["tags"]) for cid in ids}
    ops = [update(cid, {"title": f"T{cid}", "add": {"tags": ["Alumni"]}}) for cid in ids]
    ops.append(update(ids[0], {"add": {"tags": ["Silver"]}}))

    results = connector.write(ops)

    assert [r.op for r in results] == ops
    assert all(r.ok for r in results)
    for cid in ids:
        assert tables["candidates"][cid]["title"] == f"T{cid}"
        assert tables["candidates"][cid]["tags"][: len(before[cid])] == before[cid]
    assert tables["candidates"][ids[0]]["tags"][-2:] == ["Alumni", "Silver"]
    # one read ahead for all twelve, one for the op that follows a write to the same candidate
    assert connector.client.http.calls[("GET /v3/candidates", 200)] == 2
