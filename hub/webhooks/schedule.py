"""The outbound retry schedule: what to do after one delivery attempt, and when.

Pure: the caller passes the attempt's outcome, ``now`` and an ``rng``; nothing here reads the
clock or the network. The schedule is the Standard Webhooks example (10 attempts over about
75.5 h) with Svix's ±20 % jitter, 60 s throttle floor and clamped ``Retry-After``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

__all__ = [
    "DEFAULT_POLICY",
    "AttemptOutcome",
    "DeadLetter",
    "Decision",
    "Delivered",
    "DisableEndpoint",
    "RetryAt",
    "RetryPolicy",
    "decide",
    "parse_retry_after",
]

_DEFAULT_DELAYS = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry policy as data.

    Attributes:
        delays: Wait before each attempt; the first is the immediate attempt, so
            ``len(delays)`` is the number of attempts.
        jitter: Relative spread applied uniformly to each delay (0.2 means ±20 %).
        throttle_floor: Least wait after a 429 or a timeout.
        retry_after_factor: ``Retry-After`` is clamped to ``[base, factor * base]`` so a
            receiver can slow us down but neither speed us up nor park a delivery for days.
        auto_disable_after: An endpoint failing this long without any success is disabled.
    """

    delays: tuple[timedelta, ...] = _DEFAULT_DELAYS
    jitter: float = 0.2
    throttle_floor: timedelta = timedelta(seconds=60)
    retry_after_factor: float = 2.0
    auto_disable_after: timedelta = timedelta(days=5)

    @property
    def max_attempts(self) -> int:
        """How many attempts a delivery gets before it is dead-lettered."""
        return len(self.delays)


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class AttemptOutcome:
    """What one delivery attempt produced.

    Attributes:
        status: The HTTP status, or ``None`` when no response arrived.
        timed_out: The attempt timed out (connect or read).
        retry_after: The raw ``Retry-After`` header, if any.
    """

    status: int | None = None
    timed_out: bool = False
    retry_after: str | None = None

    @property
    def delivered(self) -> bool:
        """Only a 2xx counts; 3xx is a failure because redirects are never followed."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def throttled(self) -> bool:
        """The receiver asked us to slow down, or could not keep up."""
        return self.timed_out or self.status == 429


@dataclass(frozen=True)
class Delivered:
    """The receiver accepted the delivery; the endpoint is no longer failing."""


@dataclass(frozen=True)
class RetryAt:
    """Try again at ``due``.

    Attributes:
        due: When the next attempt is due.
        attempt: The 1-based number of that next attempt.
        failing_since: When the endpoint's current run of failures began.
    """

    due: datetime
    attempt: int
    failing_since: datetime


@dataclass(frozen=True)
class DeadLetter:
    """The last attempt failed: the delivery is exhausted (this status is the DLQ).

    Attributes:
        failing_since: When the endpoint's current run of failures began.
    """

    failing_since: datetime


@dataclass(frozen=True)
class DisableEndpoint:
    """Stop delivering to the endpoint until someone re-enables it.

    Attributes:
        reason: ``gone`` for a 410, ``failing`` after failing for too long.
        failing_since: When the endpoint's current run of failures began.
    """

    reason: str
    failing_since: datetime


Decision = Delivered | RetryAt | DeadLetter | DisableEndpoint


def parse_retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (delta-seconds or HTTP-date) as a wait; ``None`` if unusable.

    Args:
        value: The raw header value.
        now: The current time (aware), for HTTP-dates.

    Returns:
        The non-negative wait, or ``None`` when the header is absent or malformed.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


def _next_delay(
    outcome: AttemptOutcome,
    next_attempt: int,
    *,
    now: datetime,
    rng: random.Random,
    policy: RetryPolicy,
) -> timedelta:
    base = policy.delays[next_attempt - 1]
    base *= 1 + rng.uniform(-policy.jitter, policy.jitter)
    if outcome.throttled:
        base = max(base, policy.throttle_floor)
    asked = parse_retry_after(outcome.retry_after, now=now)
    if asked is None:
        return base
    return min(max(asked, base), base * policy.retry_after_factor)


def decide(
    outcome: AttemptOutcome,
    attempt: int,
    *,
    now: datetime,
    failing_since: datetime | None,
    rng: random.Random,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> Decision:
    """Classify one attempt's outcome and, for a retry, say when the next attempt is due.

    Args:
        outcome: What the attempt produced.
        attempt: The 1-based number of the attempt just made.
        now: When the attempt finished (aware).
        failing_since: When the endpoint's current run of failures began, ``None`` if it
            was healthy before this attempt.
        rng: Source of jitter.
        policy: The retry policy.

    Returns:
        ``Delivered``, ``RetryAt``, ``DeadLetter`` or ``DisableEndpoint``.
    """
    if outcome.delivered:
        return Delivered()
    since = failing_since or now
    if outcome.status == 410:
        return DisableEndpoint(reason="gone", failing_since=since)
    if now - since >= policy.auto_disable_after:
        return DisableEndpoint(reason="failing", failing_since=since)
    if attempt >= policy.max_attempts:
        return DeadLetter(failing_since=since)
    delay = _next_delay(outcome, attempt + 1, now=now, rng=rng, policy=policy)
    return RetryAt(due=now + delay, attempt=attempt + 1, failing_since=since)
