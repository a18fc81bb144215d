"""Crash safety: a ``hub sync`` process killed with SIGKILL anywhere, then rerun, ends exactly
where an uninterrupted run ends: nothing lost, nothing duplicated, and nothing left to write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import ExitStack, closing, suppress
from datetime import UTC, datetime

import pytest
import redis
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from hub.queue import JobQueues
from hub.sync.jobs import sync_pair

from .crash_fixtures import REPO, differences, make_site, open_site, written

__all__ = ["make_site"]  # the fixture, for pytest

# With batch_size 4 the ATS's 13 candidates come in 4 batches and the CRM's 10 contacts in 3.
# With 50, everything is one batch and the writer makes one call per side: which writes a
# crash interrupts does not depend on the (random) order of person ids.
CRASH_POINTS = [
    pytest.param("sync.mid_read@2", 4, id="between-ats-batches"),
    pytest.param("sync.mid_read@5", 4, id="between-crm-batches"),
    pytest.param("sync.mid_batch@7", 4, id="inside-an-ats-batch"),
    pytest.param("sync.mid_batch@15", 4, id="inside-a-crm-batch"),
    pytest.param("sync.after_vendor_write", 50, id="after-the-crm-write"),
    pytest.param("sync.after_vendor_write@2", 50, id="after-the-ats-write"),
]


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """The end state of one uninterrupted sync from the same seeds, per batch size."""
    with ExitStack() as stack:
        found = {}

        def reference(batch_size: int):
            if batch_size not in found:
                path = tmp_path_factory.mktemp("reference")
                site = open_site(
                    stack, f"sqlite:///{path / 'hub.db'}", path / "hub.yaml", batch_size=batch_size
                )
                site.sync()
                found[batch_size] = site.snapshot()
            return found[batch_size]

        yield reference


def test_a_failpoint_kills_its_process_on_the_armed_hit_only():
    script = (
        "from hub.failpoints import failpoint\n"
        "for i in range(5):\n"
        "    failpoint('other'); failpoint('here'); print(i, flush=True)\n"
    )
    run = [sys.executable, "-c", script]
    options = {"cwd": REPO, "capture_output": True, "text": True, "check": False}
    armed = subprocess.run(run, env={"HUB_FAILPOINTS": "x, here@3"}, **options)
    assert armed.returncode == -signal.SIGKILL
    assert armed.stdout.split() == ["0", "1"]
    unarmed = subprocess.run(run, env={}, **options)
    assert unarmed.returncode == 0
    assert unarmed.stdout.split() == ["0", "1", "2", "3", "4"]


def crash_then_rerun(site, failpoints: str) -> None:
    crashed = site.hub("sync", failpoints=failpoints)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    site.sync()


def assert_converged(site, reference) -> None:
    state = site.snapshot()
    # every vendor record holds what it holds after an uninterrupted run (nothing lost or
    # doubled), and the hub has the same persons, linked to the same records
    found = differences(state, reference)
    assert not found, "\n".join(found)
    assert max(site.contact_emails().values()) == 1  # no contact created twice
    again = site.sync()
    assert written(again) == 0, again.counts


@pytest.mark.parametrize(("failpoints", "batch_size"), CRASH_POINTS)
def test_a_sync_killed_anywhere_then_rerun_ends_as_an_uninterrupted_sync(
    make_site, sqlite_url, references, failpoints, batch_size
):
    site = make_site(sqlite_url, batch_size=batch_size)
    crash_then_rerun(site, failpoints)
    assert_converged(site, references(batch_size))


@pytest.mark.postgres
def test_a_sync_killed_inside_a_batch_converges_on_postgresql(make_site, postgres_url, references):
    site = make_site(postgres_url, batch_size=4)
    crash_then_rerun(site, "sync.mid_batch@15")
    assert_converged(site, references(4))


WORKER_CRASH_POINTS = [
    pytest.param("sync.mid_read@5", 4, id="mid-read"),
    pytest.param("sync.mid_batch@15", 4, id="mid-batch"),
    pytest.param("sync.after_vendor_write", 50, id="between-vendor-write-and-ledger"),
]


@pytest.mark.redis
@pytest.mark.parametrize(("failpoints", "batch_size"), WORKER_CRASH_POINTS)
def test_a_worker_killed_mid_sync_reruns_the_job_and_ends_as_an_uninterrupted_sync(
    make_site, sqlite_url, redis_url, references, failpoints, batch_size
):
    site = make_site(sqlite_url, batch_size=batch_size, redis_url=redis_url)
    kill_worker_then_rerun_its_job(site, redis_url, failpoints)
    assert_converged(site, references(batch_size))


@pytest.mark.redis
@pytest.mark.postgres
def test_a_worker_killed_inside_a_batch_converges_on_postgresql(
    make_site, postgres_url, redis_url, references
):
    # the dead worker's advisory lock goes with its connection, so the rerun can take the pair
    site = make_site(postgres_url, batch_size=4, redis_url=redis_url)
    kill_worker_then_rerun_its_job(site, redis_url, "sync.mid_batch@15")
    assert_converged(site, references(4))


def kill_worker_then_rerun_its_job(site, redis_url: str, failpoints: str) -> None:
    """A ``hub worker`` dies at ``failpoints`` inside ``sync_pair``; the next worker reruns it."""
    with closing(redis.Redis.from_url(redis_url)) as connection:
        job = JobQueues(connection).enqueue(sync_pair.ref("main"))
        worker = site.start("worker", "--queues", "sync", failpoints=failpoints)
        try:
            assert worker.wait(timeout=90) == -signal.SIGKILL, site.process_log.read_text()
        finally:
            # the rest of its process group (rq's scheduler), as a container runtime's kill would
            with suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
        job.refresh()
        assert job.get_status() == JobStatus.STARTED  # what the dead worker left behind

        # The next worker hands the dead worker's job its crash retry, due after the retry interval.
        first = site.hub("worker", "--burst", "--queues", "sync")
        assert first.returncode == 0, first.stderr
        job.refresh()
        assert job.get_status() == JobStatus.SCHEDULED
        # Skip the wait: the dead scheduler's lock expires and the interval passes.
        connection.delete(RQScheduler.get_locking_key("sync"))
        ScheduledJobRegistry("sync", connection=connection).schedule(job, datetime.now(UTC))
        second = site.hub("worker", "--burst", "--queues", "sync")
        assert second.returncode == 0, second.stderr
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED
        counts = job.return_value()
        assert "locked" not in counts, counts  # a lock left by the dead run would skip the rerun
        assert written(counts) > 0, counts
