"""The one place vendor HTTP behaviour lives: client factory, retry policy, rate pacing."""

from __future__ import annotations

from hub.http.client import ErrorBody, RateHeaders, VendorHTTP, build_http_client
from hub.http.observe import VendorCall, add_observer
from hub.http.ratelimit import RateBudget
from hub.http.retry import RetryPolicy

__all__ = [
    "ErrorBody",
    "RateBudget",
    "RateHeaders",
    "RetryPolicy",
    "VendorCall",
    "VendorHTTP",
    "add_observer",
    "build_http_client",
]
