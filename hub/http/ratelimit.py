"""A per-connection request budget: paces requests to a vendor's window. No I/O of its own."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RateBudget"]


@dataclass
class RateBudget:
    """Sliding-window pacer fed by the vendor's rate-limit headers; safe to share between threads.

    It allows at most ``limit`` requests in any ``window`` seconds (less a safety margin), and
    when the vendor reports fewer remaining requests than we think, it trusts the vendor.
    Concurrent senders take their slots with :meth:`reserve`, which checks and records in one
    step, so requests in flight are always counted.

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
    # Send times, oldest first; a reserved slot may lie in the future until its sender wakes.
    _sent: deque[float] = field(default_factory=deque)
    _vendor_remaining: int | None = None
    _vendor_seen_at: float = 0.0
    _vendor_ticket: int = 0
    waited: float = 0.0
    requests: int = 0
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @property
    def effective_limit(self) -> int:
        """Requests we allow ourselves per window, after the margin (at least 1)."""
        return max(1, int(self.limit * (1 - self.margin)))

    def delay(self) -> float:
        """Seconds to wait before the next request may be sent (0 if it may go now)."""
        with self._lock:
            now = self.clock()
            return self._next_slot(now) - now

    def reserve(self) -> tuple[float, int]:
        """Take the next send slot: check the budget and record the request in one step.

        Returns:
            Seconds to wait before sending, and the request's ticket (pass it to
            :meth:`update` with that request's rate headers).
        """
        with self._lock:
            now = self.clock()
            at = self._next_slot(now)
            self.waited += at - now
            return at - now, self._record(at)

    def usage(self) -> float:
        """Share of this window's allowance in use now: 0 idle, 1 at the (margined) limit."""
        if self.limit <= 0:
            return 0.0
        with self._lock:
            self._expire(self.clock())
            return len(self._sent) / self.effective_limit

    def record_request(self) -> int:
        """Note that a request is being sent now; return its ticket (see :meth:`reserve`)."""
        with self._lock:
            return self._record(self.clock())

    def record_wait(self, seconds: float) -> None:
        """Account for time spent waiting (for reports)."""
        with self._lock:
            self.waited += seconds

    def update(
        self, *, limit: int | None, remaining: int | None, ticket: int | None = None
    ) -> None:
        """Feed the vendor's view from the response headers of request ``ticket``.

        Without a ticket the headers are taken to answer the latest request sent. A report
        older than one already taken is ignored: responses may arrive out of order.
        """
        with self._lock:
            if limit is not None and limit > 0:
                self.limit = limit
            if remaining is None:
                return
            ticket = self.requests if ticket is None else ticket
            if ticket >= self._vendor_ticket:
                self._vendor_remaining = remaining
                self._vendor_ticket = ticket
                self._vendor_seen_at = self.clock()

    def _record(self, at: float) -> int:
        # Slots are handed out in order, so the deque stays sorted.
        self._sent.append(max(at, self._sent[-1]) if self._sent else at)
        self.requests += 1
        return self.requests

    def _next_slot(self, now: float) -> float:
        """The earliest time (``now`` or later) the next request may be sent; lock held."""
        self._expire(now)
        if self.limit <= 0:
            return now
        sent = self._sent
        slot = max(now, sent[-1]) if sent else now
        limit = self.effective_limit
        if len(sent) >= limit:
            slot = max(slot, sent[-limit] + self.window)
        remaining = self._vendor_remaining
        if remaining is not None and now - self._vendor_seen_at < self.window:
            # Requests sent after the one the vendor answered are not in its count yet.
            unseen = self.requests - self._vendor_ticket
            if remaining - unseen <= 1:
                # The vendor counts requests we cannot see (other workers, other apps on the
                # account): wait for one of ours in its window to leave it per request that
                # its count has not seen, or for its report to age out of the window.
                freed_at = self._vendor_seen_at + self.window
                index = unseen - max(remaining, 1) + 1
                if index < len(sent):
                    freed_at = min(freed_at, sent[index] + self.window)
                slot = max(slot, freed_at)
        return slot

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
