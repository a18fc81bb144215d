from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from rq.registry import ScheduledJobRegistry

from hub.config import HubConfig
from hub.queue import EmbeddedWorker, JobQueues, describe_queue, drain_jobs, queue_connection
from hub.queue.jobs import check_health

from .sample_jobs import runs_of, sample_flaky, sample_flaky_later


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_embedded_mode_shares_one_in_memory_queue_per_process():
    config = HubConfig()
    queue_connection(config).set("hub-test-key", "1")
    seen = []
    thread = threading.Thread(
        target=lambda: seen.append(queue_connection(config).get("hub-test-key"))
    )
    thread.start()
    thread.join()
    assert seen == [b"1"]
    queue_connection(config).delete("hub-test-key")


def test_the_banner_says_which_queue_is_used():
    assert "embedded" in describe_queue(HubConfig())
    shown = describe_queue(HubConfig(redis_url="redis://:s3cret@example.org:6379/0"))
    assert "example.org" in shown
    assert "s3cret" not in shown


def test_jobs_run_in_process_when_drained(embedded_queues, job_context):
    job = embedded_queues.enqueue(check_health.ref())
    assert drain_jobs(embedded_queues.connection)
    job.refresh()
    result = job.return_value()
    assert set(result) == {"database", "queue"}
    assert result["queue"] == {"ok": True, "detail": "embedded (no redis_url): jobs run in-process"}


def test_the_embedded_worker_thread_runs_jobs_as_they_arrive(
    embedded_queues, job_context, tmp_path
):
    worker = EmbeddedWorker(embedded_queues.connection).start()
    try:
        embedded_queues.enqueue(sample_flaky.ref(str(tmp_path), 1))
        wait_for(lambda: len(runs_of(tmp_path)) == 2)
    finally:
        worker.stop()
    job = JobQueues(embedded_queues.connection).fetch(sample_flaky.ref(str(tmp_path), 1).id)
    assert job.return_value() == "ok on run 2"


def test_the_embedded_worker_runs_delayed_retries_when_they_fall_due(
    embedded_queues, job_context, tmp_path
):
    job = embedded_queues.enqueue(sample_flaky_later.ref(str(tmp_path)))
    drain_jobs(embedded_queues.connection)
    assert len(runs_of(tmp_path)) == 1
    job.refresh()
    assert job.get_status() == "scheduled"  # waiting out its hour-long interval
    registry = ScheduledJobRegistry(job.origin, connection=embedded_queues.connection)
    due = datetime.fromtimestamp(registry.get_scheduled_time(job.id).timestamp(), UTC)
    assert due > datetime.now(UTC) + timedelta(minutes=50)
    registry.schedule(job, datetime.now(UTC))  # the hour has passed
    worker = EmbeddedWorker(embedded_queues.connection).start()
    try:
        wait_for(lambda: len(runs_of(tmp_path)) == 2)
    finally:
        worker.stop()  # returns once the job in hand is done
    job.refresh()
    assert job.return_value() == "ok on run 2"
