"""A per-connection request budget: paces requests to a vendor's window. No I/O of its own."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RateBudget"]


@dataclass
class RateBudget:
    """Sliding-window pacer fed by the vendor's rate-limit headers.

    It allows at most ``limit`` requests in any ``window`` seconds (less a safety margin), and
    when the vendor reports fewer remaining requests than we think, it trusts the vendor.

    Attributes:
        limit: Requests allowed per window (the vendor's header overrides it when smaller).
        window: Window length in seconds.
        clock: Monotonic clock in seconds.
        margin: Share of the window's requests kept in reserve (other clients, clock skew).
    """

    limit: int
    window: float
    clock: Callable[[], float]
    margin: float = 0.05
    _sent: deque[float] = field(default_factory=deque)
    _vendor_remaining: int | None = None
    _vendor_seen_at: float = 0.0
    waited: float = 0.0
    requests: int = 0

    @property
    def effective_limit(self) -> int:
        """Requests we allow ourselves per window, after the margin (at least 1)."""
        return max(1, int(self.limit * (1 - self.margin)))

    def delay(self) -> float:
        """Seconds to wait before the next request may be sent (0 if it may go now)."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        self._expire(now)
        waits = [0.0]
        if len(self._sent) >= self.effective_limit:
            waits.append(self._sent[0] + self.window - now)
        if (
            self._vendor_remaining is not None
            and self._vendor_remaining <= 1
            and now - self._vendor_seen_at < self.window
        ):
            # The vendor counts requests we cannot see (other workers, other apps on the
            # account): wait for our oldest request in its window to leave it.
            oldest = self._sent[0] if self._sent else self._vendor_seen_at
            waits.append(oldest + self.window - now)
        return max(waits)

    def usage(self) -> float:
        """Share of this window's allowance in use now: 0 idle, 1 at the (margined) limit."""
        if self.limit <= 0:
            return 0.0
        self._expire(self.clock())
        return len(self._sent) / self.effective_limit

    def record_request(self) -> None:
        """Note that a request is being sent now."""
        self.requests += 1
        self._sent.append(self.clock())

    def record_wait(self, seconds: float) -> None:
        """Account for time spent waiting (for reports)."""
        self.waited += seconds

    def update(self, *, limit: int | None, remaining: int | None) -> None:
        """Feed the vendor's view from response headers."""
        if limit is not None and limit > 0:
            self.limit = limit
        if remaining is not None:
            self._vendor_remaining = remaining
            self._vendor_seen_at = self.clock()

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
