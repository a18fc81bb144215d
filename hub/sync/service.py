"""Run a sync pair as a recorded, locked run: what ``hub sync`` and the ``sync_pair`` job share."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.config import HubConfig
from hub.connector import ConnectorContext
from hub.errors import ConfigError, HubError
from hub.metrics import record_sync_run
from hub.plugins import HubPlugins
from hub.store.repo import finish_run, start_run
from hub.store.tables import InboxEvent, SyncRun
from hub.sync.build import build_pair
from hub.sync.inbox import apply_inbox
from hub.sync.lock import pair_lock
from hub.sync.report import SyncReport

__all__ = ["choose_pair", "process_inbox_for", "run_pair"]


def choose_pair(config: HubConfig, pair: str | None) -> str:
    """The pair to run: the one named, or the only one configured.

    Raises:
        ConfigError: No pair named so, or several configured and none named.
    """
    names = list(config.sync_pairs)
    if pair is None:
        if len(names) != 1:
            raise ConfigError(f"choose a sync pair ({', '.join(names) or 'none configured'})")
        return names[0]
    if pair not in config.sync_pairs:
        raise ConfigError(f"no sync pair named {pair!r} ({', '.join(names) or 'none configured'})")
    return pair


def run_pair(
    pair: str,
    *,
    config: HubConfig,
    plugins: HubPlugins,
    engine: Engine,
    sessions: sessionmaker[Session],
    now: Callable[[], datetime],
    full: bool = False,
    dry_run: bool = False,
    listener: Callable[[str, str, int], None] | None = None,
    context: Callable[[str], ConnectorContext] | None = None,
    lock_wait: float = 0.0,
) -> SyncReport:
    """Run ``pair`` once under its lock; a real run is recorded in ``sync_runs``.

    Args:
        pair: The pair's name.
        config: The configuration.
        plugins: Installed plugins.
        engine: The store's engine (for the pair lock).
        sessions: Store sessions.
        now: Wall clock.
        full: Ignore stored cursors.
        dry_run: Plan only; commit and write nothing.
        listener: Told of every count (progress bars).
        context: Builds each connection's ConnectorContext (tests inject transports).
        lock_wait: Seconds to wait for a run in progress (a webhook job) to finish.

    Raises:
        SyncLockedError: Another run of the pair is in progress.
    """
    with pair_lock(engine, pair, wait=lock_wait):
        runner, opened = build_pair(
            config, pair, plugins=plugins, sessions=sessions, now=now, context=context
        )
        try:
            if dry_run:
                return runner.run(full=full, dry_run=True, listener=listener)
            with sessions.begin() as session:
                run_id = start_run(session, pair=pair, now=now()).id
            started = time.monotonic()
            report = SyncReport()
            status, error = "failed", None
            try:
                report = runner.run(full=full, run_id=run_id, listener=listener)
                status = "succeeded"
            except Exception as exc:
                # hub errors are written without personal data; others may quote it
                detail = f": {exc}" if isinstance(exc, HubError) else ""
                error = f"{type(exc).__name__}{detail}"
                raise
            finally:
                record_sync_run(
                    pair, outcome=status, seconds=time.monotonic() - started, counts=report.counts
                )
                with sessions.begin() as session:
                    row = session.get(SyncRun, run_id)
                    assert row is not None
                    finish_run(
                        session,
                        row,
                        now=now(),
                        status=status,
                        counts=dict(report.counts),
                        api_calls={},
                        error=error,
                    )
            return report
        finally:
            for connector in opened:
                connector.close()


def process_inbox_for(
    connection: str,
    *,
    config: HubConfig,
    plugins: HubPlugins,
    engine: Engine,
    sessions: sessionmaker[Session],
    now: Callable[[], datetime],
    limit: int = 500,
    max_rounds: int = 20,
    lock_wait: float = 30.0,
) -> SyncReport:
    """Act on the connection's pending webhook events for every pair it belongs to.

    Args:
        connection: The connection whose events to act on.
        config: The configuration.
        plugins: Installed plugins.
        engine: The store's engine (for the pair lock).
        sessions: Store sessions.
        now: Wall clock.
        limit: Events per round.
        max_rounds: Rounds per call; events left over wait for the next job or the sweep.
        lock_wait: Seconds to wait for a running sync of the pair.

    Raises:
        SyncLockedError: A run of one of the pairs is in progress (the events stay pending).
    """
    report = SyncReport()
    pairs = [n for n, p in config.sync_pairs.items() if connection in (p.crm, p.ats)]
    for pair in pairs:
        # a webhook job queued behind a running sync waits for it rather than failing
        with pair_lock(engine, pair, wait=lock_wait):
            runner, opened = build_pair(config, pair, plugins=plugins, sessions=sessions, now=now)
            try:
                # events that arrive while this job runs are taken by it too: their own enqueue
                # found this job running and added nothing
                for _ in range(max_rounds):
                    with sessions() as session:
                        events = session.scalars(
                            select(InboxEvent)
                            .where(
                                InboxEvent.connection == connection,
                                InboxEvent.status == "pending",
                            )
                            .order_by(InboxEvent.id)
                            .limit(limit)
                        ).all()
                        if not events:
                            break
                        apply_inbox(runner, session, events, now=now(), report=report)
            finally:
                for connector in opened:
                    connector.close()
    if not pairs:
        with sessions.begin() as session:
            # no pair uses this connection: nothing will ever act on its events
            session.execute(
                update(InboxEvent)
                .where(InboxEvent.connection == connection, InboxEvent.status == "pending")
                .values(status="ignored")
            )
    return report
