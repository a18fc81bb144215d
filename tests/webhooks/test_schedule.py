from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.webhooks.schedule import (
    DEFAULT_POLICY,
    AttemptOutcome,
    DeadLetter,
    Delivered,
    DisableEndpoint,
    RetryAt,
    decide,
    parse_retry_after,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


class FixedJitter(random.Random):
    """Jitter at a fixed point of its range: -1 = low end, 0 = none, 1 = high end."""

    def __init__(self, where: float = 0.0) -> None:
        super().__init__(0)
        self.where = where

    def uniform(self, a, b):
        return (a + b) / 2 + self.where * (b - a) / 2


def retry_delay(outcome, attempt=1, *, jitter=0.0, failing_since=None):
    decision = decide(
        outcome, attempt, now=NOW, failing_since=failing_since, rng=FixedJitter(jitter)
    )
    assert isinstance(decision, RetryAt), decision
    assert decision.attempt == attempt + 1
    return decision.due - NOW


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [
        (1, 5 * S),
        (2, timedelta(minutes=5)),
        (3, timedelta(minutes=30)),
        (4, timedelta(hours=2)),
        (5, timedelta(hours=5)),
        (6, timedelta(hours=10)),
        (7, timedelta(hours=14)),
        (8, timedelta(hours=20)),
        (9, timedelta(hours=24)),
    ],
)
def test_failed_attempt_waits_the_scheduled_delay(attempt, expected):
    assert retry_delay(AttemptOutcome(status=500), attempt) == expected


def test_schedule_is_ten_attempts_starting_at_once():
    assert DEFAULT_POLICY.max_attempts == 10
    assert DEFAULT_POLICY.delays[0] == timedelta(0)


@pytest.mark.parametrize(("where", "factor"), [(-1.0, 0.8), (1.0, 1.2)])
def test_jitter_spreads_delay_by_twenty_percent(where, factor):
    delay = retry_delay(AttemptOutcome(status=500), 3, jitter=where)
    assert delay == timedelta(minutes=30) * factor


@given(seed=st.integers(), attempt=st.integers(min_value=1, max_value=9))
def test_jittered_delay_stays_within_twenty_percent(seed, attempt):
    decision = decide(
        AttemptOutcome(status=503), attempt, now=NOW, failing_since=None, rng=random.Random(seed)
    )
    assert isinstance(decision, RetryAt)
    base = DEFAULT_POLICY.delays[attempt]
    assert base * 0.8 <= decision.due - NOW <= base * 1.2


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [
        (AttemptOutcome(status=200), Delivered),
        (AttemptOutcome(status=204), Delivered),
        (AttemptOutcome(status=299), Delivered),
        (AttemptOutcome(status=301), RetryAt),
        (AttemptOutcome(status=302), RetryAt),
        (AttemptOutcome(status=400), RetryAt),
        (AttemptOutcome(status=404), RetryAt),
        (AttemptOutcome(status=429), RetryAt),
        (AttemptOutcome(status=500), RetryAt),
        (AttemptOutcome(status=None), RetryAt),
        (AttemptOutcome(timed_out=True), RetryAt),
        (AttemptOutcome(status=410), DisableEndpoint),
    ],
)
def test_outcome_is_classified(outcome, kind):
    decision = decide(outcome, 1, now=NOW, failing_since=None, rng=FixedJitter())
    assert type(decision) is kind


@pytest.mark.parametrize("outcome", [AttemptOutcome(status=429), AttemptOutcome(timed_out=True)])
def test_throttle_and_timeout_wait_at_least_a_minute(outcome):
    assert retry_delay(outcome, 1, jitter=-1.0) == 60 * S


def test_connection_error_without_timeout_keeps_the_short_delay():
    assert retry_delay(AttemptOutcome(status=None), 1) == 5 * S


@pytest.mark.parametrize(
    ("status", "attempt", "retry_after", "expected"),
    [
        # base 5 min: honoured inside [base, 2 x base]
        (503, 2, "450", 450 * S),
        (503, 2, "10", 5 * 60 * S),  # never shortens the schedule
        (503, 2, "86400", 10 * 60 * S),  # clamped to twice the base
        (429, 1, "90", 90 * S),  # 429 base is the 60 s floor
        (429, 1, "3600", 120 * S),
        (503, 2, "garbage", 5 * 60 * S),
        (503, 2, "Sun, 01 Mar 2026 12:07:00 GMT", 7 * 60 * S),
    ],
)
def test_retry_after_is_honoured_but_clamped(status, attempt, retry_after, expected):
    outcome = AttemptOutcome(status=status, retry_after=retry_after)
    assert retry_delay(outcome, attempt) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("120", 120 * S),
        ("-5", None),
        ("Sun, 01 Mar 2026 11:00:00 GMT", timedelta(0)),
        ("Sun, 01 Mar 2026 12:00:30 GMT", 30 * S),
        ("soon", None),
    ],
)
def test_retry_after_parsing(value, expected):
    assert parse_retry_after(value, now=NOW) == expected


def test_failure_after_last_attempt_is_dead_lettered():
    decision = decide(
        AttemptOutcome(status=500), 10, now=NOW, failing_since=None, rng=FixedJitter()
    )
    assert decision == DeadLetter(failing_since=NOW)


def test_success_on_last_attempt_is_still_delivered():
    decision = decide(AttemptOutcome(status=200), 10, now=NOW, failing_since=NOW, rng=FixedJitter())
    assert decision == Delivered()


def test_gone_disables_endpoint_at_once():
    decision = decide(AttemptOutcome(status=410), 1, now=NOW, failing_since=None, rng=FixedJitter())
    assert decision == DisableEndpoint(reason="gone", failing_since=NOW)


@pytest.mark.parametrize(
    ("failing_for", "kind"),
    [
        (timedelta(days=5) - S, RetryAt),
        (timedelta(days=5), DisableEndpoint),
        (timedelta(days=9), DisableEndpoint),
    ],
)
def test_endpoint_failing_for_five_days_is_disabled(failing_for, kind):
    decision = decide(
        AttemptOutcome(status=500), 2, now=NOW, failing_since=NOW - failing_for, rng=FixedJitter()
    )
    assert type(decision) is kind


def test_first_failure_starts_the_failing_clock_and_later_ones_keep_it():
    first = decide(AttemptOutcome(status=500), 1, now=NOW, failing_since=None, rng=FixedJitter())
    earlier = NOW - timedelta(hours=3)
    later = decide(AttemptOutcome(status=500), 2, now=NOW, failing_since=earlier, rng=FixedJitter())
    assert isinstance(first, RetryAt)
    assert isinstance(later, RetryAt)
    assert first.failing_since == NOW
    assert later.failing_since == earlier
