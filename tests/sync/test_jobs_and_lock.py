from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from hub.queue import JobQueues, WorkerContext, drain_jobs, queue_connection, set_context
from hub.store import create_store_engine
from hub.store.tables import SyncRun
from hub.sync.jobs import sync_pair
from hub.sync.lock import SyncLockedError, pair_lock
from hub.sync.service import run_pair


def test_one_run_per_pair_at_a_time(database_url):
    engine = create_store_engine(database_url)
    other = create_store_engine(database_url)  # another process would have its own engine
    try:
        with pair_lock(engine, "main"):
            with (
                pytest.raises(SyncLockedError, match="'main' is already running"),
                pair_lock(other, "main"),
            ):
                pass
            with pair_lock(other, "eu"):  # other pairs are not held up
                pass
        with pair_lock(other, "main"):  # released at the end of the run
            pass
    finally:
        engine.dispose()
        other.dispose()


def test_a_locked_pair_refuses_a_second_run(world):
    with pair_lock(world["engine"], "main"), pytest.raises(SyncLockedError):
        run_pair(
            "main",
            config=world["config"],
            plugins=world["plugins"],
            engine=world["engine"],
            sessions=world["sessions"],
            now=lambda: datetime.now(UTC),
        )


def test_sync_pair_job_runs_the_pair_and_records_the_run(world):
    context = WorkerContext(config=world["config"], plugins=world["plugins"])
    set_context(context)
    connection = queue_connection(world["config"])
    connection.flushall()
    try:
        queues = JobQueues(connection)
        job = queues.enqueue(sync_pair.ref("main"))
        again = queues.enqueue(sync_pair.ref("main"))
        assert again.id == job.id  # a burst of triggers is one job
        assert drain_jobs(connection)
        job.refresh()
        counts = job.return_value()
        assert counts["greenhouse.candidate.read"] > 0
        with world["sessions"]() as session:
            statuses = session.scalars(select(SyncRun.status)).all()
            assert statuses == ["succeeded"]
            assert session.scalar(select(func.count()).select_from(SyncRun)) == 1
    finally:
        set_context(None)
        context.close()
        connection.flushall()
