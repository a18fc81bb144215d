from __future__ import annotations

import threading
import time

import pytest

from hub.http import RateBudget


def frozen_yielding_clock() -> float:
    time.sleep(0)  # a thread switch may come at any point: let it come here
    return 0.0


def test_reserve_hands_each_slot_out_once_across_threads():
    budget = RateBudget(limit=10, window=10.0, clock=frozen_yielding_clock, margin=0.0)
    start = threading.Barrier(8)
    taken: list[tuple[float, int]] = []
    lock = threading.Lock()

    def take() -> None:
        start.wait(10)
        for _ in range(25):
            slot = budget.reserve()
            with lock:
                taken.append(slot)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 200 requests at 10 a window: ten slots at 0 s, ten at 10 s, …, never eleven
    assert sorted(wait for wait, _ in taken) == [10.0 * (i // 10) for i in range(200)]
    assert sorted(ticket for _, ticket in taken) == list(range(1, 201))
    assert budget.requests == 200


def test_reserved_slots_follow_the_clock():
    now = [0.0]
    budget = RateBudget(limit=2, window=10.0, clock=lambda: now[0], margin=0.0)

    assert [budget.reserve()[0] for _ in range(3)] == [0.0, 0.0, 10.0]
    now[0] = 4.0
    assert budget.delay() == pytest.approx(6.0)  # the fourth may join the third at 10 s
    now[0] = 20.0
    assert budget.reserve() == (0.0, 4)


def test_requests_the_vendor_has_not_counted_yet_are_held_back():
    budget = RateBudget(limit=50, window=10.0, clock=lambda: 0.0)
    tickets = [budget.reserve()[1] for _ in range(3)]

    # the answer to the first says 2 left: the two sent since may have taken them
    budget.update(limit=50, remaining=2, ticket=tickets[0])

    assert budget.delay() == pytest.approx(10.0)


def test_a_late_answer_to_an_older_request_is_not_trusted_over_a_newer_one():
    budget = RateBudget(limit=50, window=10.0, clock=lambda: 0.0)
    first, second = budget.reserve()[1], budget.reserve()[1]

    budget.update(limit=50, remaining=1, ticket=second)
    budget.update(limit=50, remaining=40, ticket=first)

    assert budget.delay() == pytest.approx(10.0)


def test_without_tickets_headers_answer_the_latest_request():
    budget = RateBudget(limit=50, window=10.0, clock=lambda: 0.0)
    budget.record_request()
    budget.record_request()

    budget.update(limit=50, remaining=5)

    assert budget.delay() == 0.0
