"""One running emulated Greenhouse: its state, gate and outbox, and how changes are applied."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from connectors.greenhouse.emulator.gate import GateRuntime, Knobs
from connectors.greenhouse.emulator.outbox import WebhookOutbox
from connectors.greenhouse.emulator.seed import seed_state
from connectors.greenhouse.emulator.state import EmulatorState

__all__ = ["GreenhouseEmulator"]

T = TypeVar("T")
Change = tuple[str, dict[str, Any]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class GreenhouseEmulator:
    """The emulator's parts, shared by the API routes and the admin routes.

    Attributes:
        state: The records.
        gate: Tokens, rate limits and faults.
        outbox: Outbound webhooks.
        seed: Seed of the current data.
        people: People seeded.
        duplicate_every: Every n-th person is seeded twice (0 = never).
    """

    state: EmulatorState
    gate: GateRuntime
    outbox: WebhookOutbox
    seed: int
    people: int
    duplicate_every: int = 10

    @classmethod
    def create(
        cls,
        *,
        knobs: Knobs,
        outbox: WebhookOutbox,
        seed: int,
        people: int,
        duplicate_every: int = 10,
        clock: Callable[[], datetime] = _utcnow,
    ) -> GreenhouseEmulator:
        """Build and seed an emulator."""
        emulator = cls(
            EmulatorState(clock=clock),
            GateRuntime(knobs, random.Random(seed)),
            outbox,
            seed,
            people,
            duplicate_every,
        )
        seed_state(emulator.state, seed=seed, people=people, duplicate_every=duplicate_every)
        return emulator

    def apply(self, change: Callable[[], tuple[T, list[Change]]]) -> T:
        """Run one change atomically, then queue the webhooks it fired (after the lock)."""
        with self.state.lock:
            result, changes = change()
        for action, payload in changes:
            self.outbox.publish(action, payload)
        return result

    def reset(self, *, seed: int | None = None, people: int | None = None) -> None:
        """Throw away every record and seed afresh."""
        self.seed = self.seed if seed is None else seed
        self.people = self.people if people is None else people
        fresh = EmulatorState(clock=self.state.clock)
        seed_state(fresh, seed=self.seed, people=self.people, duplicate_every=self.duplicate_every)
        with self.state.lock:
            self.state.tables = fresh.tables
            self.state.hidden = {}
            self.state._last_id = fresh._last_id
