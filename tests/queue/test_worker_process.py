from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from rq.job import JobStatus
from rq.registry import FailedJobRegistry

from .sample_jobs import runs_of, sample_flaky, sample_stall, sample_stall_once

pytestmark = pytest.mark.redis


def wait_for(predicate, *, timeout=30.0, proc=None):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc is None or proc.poll() is None, f"worker exited early ({proc.returncode})"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def run_burst(hub_process, *args):
    proc = hub_process("worker", "--burst", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def test_hub_worker_burst_runs_queued_jobs_in_its_own_process(
    hub_process, redis_queues, redis_url, tmp_path
):
    job = redis_queues.enqueue(sample_flaky.ref(str(tmp_path), 0))
    code, out, err = run_burst(hub_process)
    assert code == 0, err
    assert f"job queue: redis at {redis_url}" in out
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert runs_of(tmp_path) != [os.getpid()]


def test_hub_worker_check_reports_the_health_checks_from_a_job(hub_process, redis_url):
    code, out, err = run_burst(hub_process, "--check")
    assert code == 0, err
    result = json.loads(out[out.index("{") :])
    assert result["database"]["ok"]
    assert "migrations current" in result["database"]["detail"]
    assert result["queue"] == {"ok": True, "detail": f"{redis_url}: reachable"}


def kill_worker_mid_job(hub_process, redis_queues, ref, workdir, *, while_alive=None):
    job = redis_queues.enqueue(ref, queue="sync")
    worker = hub_process("worker", "--queues", "sync", start_new_session=True)
    try:
        wait_for(lambda: len(runs_of(workdir)) == 1, proc=worker)
        if while_alive:
            while_alive()
        # The whole process group, as a container runtime's SIGKILL would (rq's scheduler too).
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=10)
    job.refresh()
    assert job.get_status() == JobStatus.STARTED  # what the dead worker left behind
    return job


def test_a_job_abandoned_by_a_killed_worker_runs_again_on_the_next_worker(
    hub_process, redis_queues, tmp_path
):
    def another_worker_leaves_the_running_job_alone():
        code, _, err = run_burst(hub_process, "--queues", "sync")
        assert code == 0, err
        assert len(runs_of(tmp_path)) == 1

    ref = sample_stall.ref(str(tmp_path))
    job = kill_worker_mid_job(
        hub_process,
        redis_queues,
        ref,
        tmp_path,
        while_alive=another_worker_leaves_the_running_job_alone,
    )
    code, _, err = run_burst(hub_process, "--queues", "sync")
    assert code == 0, err
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "done on run 2"
    first, second = runs_of(tmp_path)
    assert first != second  # the second run is the new worker's


def test_a_job_without_crash_retries_moves_to_failed_when_abandoned(
    hub_process, redis_queues, tmp_path
):
    ref = sample_stall_once.ref(str(tmp_path))
    job = kill_worker_mid_job(hub_process, redis_queues, ref, tmp_path)
    code, _, err = run_burst(hub_process, "--queues", "sync")
    assert code == 0, err
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert len(runs_of(tmp_path)) == 1
    assert FailedJobRegistry("sync", connection=redis_queues.connection).get_job_ids() == [job.id]
    assert "AbandonedJobError" in job.latest_result().exc_string
