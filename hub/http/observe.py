"""A process-wide hook told of every vendor request attempt (metrics, tracing), with no I/O.

:class:`~hub.http.VendorHTTP` reports each attempt here, so connectors need no change to be
measured; whoever wants the figures (``hub.metrics``) adds an observer once per process. An
observer must be quick and must not raise: it runs on the request path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["VendorCall", "VendorObserver", "add_observer", "notify"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VendorCall:
    """One attempt of one vendor request, as seen by the shared HTTP layer.

    Attributes:
        vendor: The connector's vendor label (``greenhouse``).
        connection: The configured connection's name (empty when not given).
        endpoint: The stable endpoint label (``GET /v3/candidates``); never ids.
        status: The HTTP status, or ``0`` when no response came (timeout, connection error).
        seconds: Time from sending to the response (or failure).
        waited: Seconds the rate budget held this attempt back before sending.
        budget_used: Share of the connection's rate window in use once sent (``None``: no
            pacing configured).
    """

    vendor: str
    connection: str
    endpoint: str
    status: int
    seconds: float
    waited: float = 0.0
    budget_used: float | None = None


VendorObserver = Callable[[VendorCall], None]

_lock = threading.Lock()
_observers: tuple[VendorObserver, ...] = ()


def add_observer(observer: VendorObserver) -> Callable[[], None]:
    """Tell ``observer`` of every vendor request attempt made in this process from now on.

    Returns:
        A function that removes the observer again (tests, shutdown).
    """
    global _observers
    with _lock:
        _observers = (*_observers, observer)

    def remove() -> None:
        global _observers
        with _lock:
            _observers = tuple(o for o in _observers if o is not observer)

    return remove


def notify(call: VendorCall) -> None:
    """Pass ``call`` to every observer; a failing observer is logged, never raised."""
    for observer in _observers:
        try:
            observer(call)
        except Exception:  # an observer must never break a vendor request
            log.exception("vendor call observer failed")
