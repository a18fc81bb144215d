"""Retry policy as data: which errors are retried, how long to wait, when to give up."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from hub.errors import RateLimitedError, RetryableError

__all__ = ["RetryPolicy"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How vendor calls are retried. Only :class:`RetryableError` is ever retried.

    Attributes:
        attempts: Total attempts, the first included.
        max_total: Give up after this many seconds of retrying.
        base: First backoff in seconds (doubles each attempt, full jitter).
        cap: Largest single backoff.
        retry_after_cap: Largest wait honoured from a ``Retry-After`` header.
    """

    attempts: int = 6
    max_total: float = 300.0
    base: float = 0.5
    cap: float = 30.0
    retry_after_cap: float = 120.0

    def wait_for(self, error: BaseException, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1`` after ``error``."""
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            wait = min(max(error.retry_after, 0.0), self.retry_after_cap)
            if wait != error.retry_after:
                log.warning(
                    "Retry-After %.1fs clamped to %.1fs (%s)",
                    error.retry_after,
                    wait,
                    error.endpoint,
                )
            return wait
        return rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))

    def call(
        self,
        fn: Callable[[], T],
        *,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
    ) -> T:
        """Call ``fn``, retrying retryable errors per this policy; re-raise the last error."""
        chance = rng or random.Random()

        def wait(state: tenacity.RetryCallState) -> float:
            assert state.outcome is not None
            error = state.outcome.exception()
            assert error is not None
            seconds = self.wait_for(error, state.attempt_number, chance)
            log.info(
                "retrying %s in %.2fs after %s (attempt %d of %d)",
                getattr(error, "endpoint", ""),
                seconds,
                type(error).__name__,
                state.attempt_number,
                self.attempts,
            )
            return seconds

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(RetryableError),
            wait=wait,
            stop=tenacity.stop_after_attempt(self.attempts)
            | tenacity.stop_after_delay(self.max_total),
            sleep=sleep,
            reraise=True,
        )
        return retrying(fn)
