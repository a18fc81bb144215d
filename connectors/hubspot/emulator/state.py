"""The emulator's knobs and state: one object the routes, gate and admin endpoints share."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.hubspot.emulator.catalog import PropertyCatalog
from connectors.hubspot.emulator.lists import ListStore
from connectors.hubspot.emulator.seed import seed_rows
from connectors.hubspot.emulator.store import ContactStore
from hub.connector import EmulatorOptions

__all__ = ["EmulatorConfig", "EmulatorState", "Faults", "RateLimiter"]

DAY_MS = 86_400_000
DEFAULT_BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: seeded data never moves


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class EmulatorConfig:
    """Options beyond :class:`EmulatorOptions`, read from its ``extra`` mapping.

    Attributes:
        access_token: The one accepted bearer token; ``None`` accepts any token.
        scopes: Granted scopes (drop ``crm.objects.contacts.write`` to see 403s).
        rate_limit: Requests per 10 s (0 = off); the HubSpot Free/Starter default is 100.
        search_rate: Search requests per second (0 = off).
        daily_limit: Requests per day (0 = off).
        retry_after_header: Send ``Retry-After`` on 429s (else clients use the interval).
        search_lag_ms: How long a change takes to become searchable.
        seed_span_days: Spread of seeded modification times; 0 puts all in one millisecond.
        base_time_ms: Latest seeded modification time.
        hub_properties: Pre-create the hub's own properties (as if setup had run).
        webhook_batch_ms: How long outbound events gather before a batch is sent.
        now_ms: Wall clock in epoch ms (tests may inject).
        monotonic: Monotonic clock in seconds for rate windows (tests may inject).
    """

    access_token: str | None = None
    scopes: tuple[str, ...] = (
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.lists.read",
        "crm.lists.write",
    )
    rate_limit: int = 100
    search_rate: int = 5
    daily_limit: int = 250_000
    retry_after_header: bool = True
    search_lag_ms: int = 0
    seed_span_days: float = 365.0
    base_time_ms: int = DEFAULT_BASE_MS
    hub_properties: bool = True
    webhook_batch_ms: int = 200
    now_ms: Callable[[], int] = _wall_ms
    monotonic: Callable[[], float] = time.monotonic

    @classmethod
    def from_options(cls, options: EmulatorOptions) -> EmulatorConfig:
        """Read the config from options (unknown ``extra`` keys are an error)."""
        extra: Mapping[str, Any] = options.extra
        names = set(cls.__dataclass_fields__)
        unknown = set(extra) - names
        if unknown:
            raise ValueError(f"unknown HubSpot emulator options: {', '.join(sorted(unknown))}")
        values = dict(extra)
        if options.rate_limit is not None:
            values["rate_limit"] = options.rate_limit
        if "scopes" in values:
            values["scopes"] = tuple(values["scopes"])
        return cls(**values)


@dataclass
class Faults:
    """Injected failures: a share of 500/503s, slow answers, dropped connections."""

    fault_rate: float = 0.0
    slow_ms: int = 0
    drop_rate: float = 0.0
    fail_next: deque[int] = field(default_factory=deque)


@dataclass
class RateLimiter:
    """HubSpot's rolling 10-second burst window, per-second search limit and daily count."""

    config: EmulatorConfig
    burst: deque[float] = field(default_factory=deque)
    search: deque[float] = field(default_factory=deque)
    daily_used: int = 0

    def admit(self, *, is_search: bool) -> tuple[str, float] | None:
        """Count a request; return (policy, seconds to wait) when it must get a 429."""
        now = self.config.monotonic()
        cfg = self.config
        if cfg.daily_limit and self.daily_used >= cfg.daily_limit:
            return "DAILY", 3600.0
        window, limit, sent = (
            (1.0, cfg.search_rate, self.search) if is_search else (10.0, cfg.rate_limit, self.burst)
        )
        while sent and sent[0] <= now - window:
            sent.popleft()
        if limit and len(sent) >= limit:
            return ("SECONDLY" if is_search else "TEN_SECONDLY_ROLLING"), sent[0] + window - now
        sent.append(now)
        self.daily_used += 1
        return None

    def headers(self, *, is_search: bool) -> list[tuple[bytes, bytes]]:
        """Rate-limit headers for a response (search answers omit the burst ones)."""
        cfg = self.config
        found: list[tuple[bytes, bytes]] = []
        if cfg.daily_limit:
            found += [
                (b"x-hubspot-ratelimit-daily", str(cfg.daily_limit).encode()),
                (
                    b"x-hubspot-ratelimit-daily-remaining",
                    str(max(0, cfg.daily_limit - self.daily_used)).encode(),
                ),
            ]
        if cfg.rate_limit and not is_search:
            found += [
                (b"x-hubspot-ratelimit-max", str(cfg.rate_limit).encode()),
                (
                    b"x-hubspot-ratelimit-remaining",
                    str(max(0, cfg.rate_limit - len(self.burst))).encode(),
                ),
                (b"x-hubspot-ratelimit-interval-milliseconds", b"10000"),
            ]
        return found


class EmulatorState:
    """Everything one emulator instance holds.

    Args:
        options: Build options.
        config: Parsed extra options.
    """

    def __init__(self, options: EmulatorOptions, config: EmulatorConfig) -> None:
        self.options = options
        self.config = config
        self.faults = Faults(fault_rate=options.fault_rate)
        self.limiter = RateLimiter(config)
        self.rng = random.Random(options.seed)
        self.requests = 0
        self.store = self._seeded(options.seed, options.people)
        self.lists = ListStore.seeded(config.now_ms())

    def _seeded(self, seed: int, people: int) -> ContactStore:
        catalog = PropertyCatalog(with_hub_properties=self.config.hub_properties)
        store = ContactStore(catalog=catalog)
        store.load(
            seed_rows(
                seed=seed,
                people=people,
                base_ms=self.config.base_time_ms,
                span_ms=int(self.config.seed_span_days * DAY_MS),
                hub_properties=self.config.hub_properties,
            )
        )
        return store

    def reset(self, *, seed: int | None = None, people: int | None = None) -> None:
        """Reseed the contacts; listeners (outbound webhooks) carry over."""
        listeners = self.store.listeners
        self.store = self._seeded(
            self.options.seed if seed is None else seed,
            self.options.people if people is None else people,
        )
        self.store.listeners = listeners
        self.limiter = RateLimiter(self.config)
        self.faults = Faults(fault_rate=self.options.fault_rate)

    def now_ms(self) -> int:
        """The emulator's wall clock."""
        return self.config.now_ms()
