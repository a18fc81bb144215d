from __future__ import annotations

from rq.job import JobStatus

from hub.queue import drain_jobs
from hub.queue.jobs import check_health

from .sample_jobs import sample_flaky


def test_enqueueing_the_same_call_twice_makes_one_job(any_queues, tmp_path):
    first = any_queues.enqueue(sample_flaky.ref(str(tmp_path), 0))
    again = any_queues.enqueue(sample_flaky.ref(str(tmp_path), 0))
    assert again.id == first.id
    assert any_queues.queue("sync").job_ids == [first.id]


def test_a_burst_of_identical_triggers_runs_the_job_once(any_queues, tmp_path, job_context):
    for _ in range(10):
        any_queues.enqueue(sample_flaky.ref(str(tmp_path), 0))
    drain_jobs(any_queues.connection)
    assert len((tmp_path / "runs").read_text().splitlines()) == 1


def test_different_calls_are_different_jobs(any_queues, tmp_path):
    any_queues.enqueue(sample_flaky.ref(str(tmp_path), 0))
    any_queues.enqueue(sample_flaky.ref(str(tmp_path), 1))
    assert len(any_queues.queue("sync")) == 2


def test_a_finished_job_is_run_again_when_enqueued_again(any_queues, job_context):
    any_queues.enqueue(check_health.ref())
    drain_jobs(any_queues.connection)
    assert any_queues.fetch("check_health").get_status() == JobStatus.FINISHED
    again = any_queues.enqueue(check_health.ref())
    assert again.get_status() == JobStatus.QUEUED
    assert any_queues.queue("default").job_ids == ["check_health"]


def test_the_caller_can_route_a_job_to_another_queue(any_queues):
    job = any_queues.enqueue(check_health.ref(), queue="webhooks")
    assert job.origin == "webhooks"
    assert any_queues.queue("webhooks").job_ids == ["check_health"]
