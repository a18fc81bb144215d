"""The demo, step by step: seed, set up, sync, a simulated week, webhooks in, sync, summary."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.connector import ConnectorContext
from hub.demo.activity import simulate_week
from hub.demo.seeding import share_people
from hub.demo.summary import DemoSummary, summarise
from hub.demo.world import DemoWorld
from hub.store.open import open_store
from hub.store.tables import InboxEvent
from hub.store.webhook_tables import WebhookDelivery
from hub.sync.report import SyncReport
from hub.sync.service import run_pair
from hub.webhooks.subscriptions import create_subscription

__all__ = ["DemoResult", "run_demo"]

Say = Callable[[str], None]
Listener = Callable[[str, str, int], None]


@dataclass(frozen=True)
class DemoResult:
    """What the demo did."""

    shared: int
    setup: list[str]
    initial: SyncReport
    week: Counter[str]
    final: SyncReport
    summary: DemoSummary
    seconds: float


def _now() -> datetime:
    return datetime.now(UTC)


# HubSpot gathers events for a moment before it sends a batch: "nothing in flight" must hold
# this long before the demo believes it.
QUIET = 1.5


def _wait_for_webhooks(
    world: DemoWorld, sessions: sessionmaker[Session], *, timeout: float = 60.0
) -> int:
    """Wait until the emulators have sent their webhooks and the hub has acted on them."""
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    pending = 0
    while time.monotonic() < deadline:
        gh = httpx.get(f"{world.greenhouse_url}/_emulator/state").json()["webhooks"]
        hs = httpx.get(f"{world.hubspot_url}/_emulator/state").json()["webhooks"]
        with sessions() as session:
            pending = (
                session.scalar(
                    select(func.count())
                    .select_from(InboxEvent)
                    .where(InboxEvent.status == "pending")
                )
                or 0
            )
        if gh["pending"] or hs["pending"] or pending:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET:
            return 0
        time.sleep(0.2)
    return pending


def _wait_for_deliveries(sessions: sessionmaker[Session], *, timeout: float = 60.0) -> int:
    """Wait until the embedded worker has delivered every outbound webhook; what is left."""
    deadline = time.monotonic() + timeout
    left = 0
    while time.monotonic() < deadline:
        with sessions() as session:
            left = (
                session.scalar(
                    select(func.count())
                    .select_from(WebhookDelivery)
                    .where(WebhookDelivery.status.in_(("pending", "retrying")))
                )
                or 0
            )
        if not left:
            return 0
        time.sleep(0.2)
    return left


def run_demo(
    world: DemoWorld, *, seed: int, share: float, say: Say, listener: Listener | None = None
) -> DemoResult:
    """Run the whole demo against a started :func:`hub.demo.world.demo_world`."""
    started = time.monotonic()
    gh_state = world.greenhouse.state.emulator.state
    shared = share_people(
        candidates=list(gh_state.tables["candidates"].values()),
        hubspot_url=world.hubspot_url,
        share=share,
        seed=seed,
    )
    say(f"seeded both systems: {shared} ATS candidates also known to the CRM, with variations")
    spec = world.plugins.connector("hubspot")
    crm = spec.build(world.config.connections["hubspot"].settings, ConnectorContext())
    try:
        setup = crm.setup()  # `hub setup`
    finally:
        crm.close()
    created = sum(1 for line in setup if line.startswith("created"))
    say(f"hub setup: {created} HubSpot properties created")
    engine, sessions = open_store(world.config)
    try:
        with sessions.begin() as session:
            subscription = create_subscription(
                session,
                world.receiver_url,
                ["person.*", "application.*"],
                now=_now(),
                description="the sandbox's receiver, which verifies every signature",
                require_https=False,
            )
            world.receiver.secret = subscription.secret
        say("outbound webhooks: a receiver subscribed to person.* and application.* events")

        def sync(full: bool) -> SyncReport:
            return run_pair(
                "main",
                config=world.config,
                plugins=world.plugins,
                engine=engine,
                sessions=sessions,
                now=_now,
                full=full,
                listener=listener,
                lock_wait=120.0,  # webhook jobs from the seeding may hold the pair a moment
            )

        initial = sync(True)
        say(f"initial sync done ({time.monotonic() - started:.1f} s)")
        week = simulate_week(
            greenhouse_url=world.greenhouse_url,
            hubspot_url=world.hubspot_url,
            greenhouse_app=world.greenhouse,
            hubspot_app=world.hubspot,
            seed=seed,
        )
        say("a simulated week: " + ", ".join(f"{n} {what}" for what, n in sorted(week.items())))
        left = _wait_for_webhooks(world, sessions)
        say(f"webhooks received and acted on ({time.monotonic() - started:.1f} s)")
        if left:
            say(f"{left} webhook events still waiting; the scheduled sync will pick them up")
        final = sync(False)
        # the final sync's own writes come back as webhooks (echoes): let them settle too
        _wait_for_webhooks(world, sessions, timeout=30.0)
        undelivered = _wait_for_deliveries(sessions)
        if undelivered:
            say(f"{undelivered} outbound webhooks still on their way (the worker retries them)")
        with sessions() as session:
            calls = {name: counter.count for name, counter in world.api_calls.items()}
            summary = summarise(
                session,
                greenhouse=world.greenhouse,
                hubspot=world.hubspot,
                api_calls=calls,
                received=sum(world.receiver.verified.values()),
                refused=world.receiver.rejected,
            )
    finally:
        engine.dispose()
    return DemoResult(shared, setup, initial, week, final, summary, time.monotonic() - started)


def default_workdir() -> Path:
    """Where the demo keeps its database: ``.hub-demo`` in the current directory."""
    return Path.cwd() / ".hub-demo"
