from __future__ import annotations

import binascii
import zlib
from base64 import b64decode

import pytest
from rq.job import JobStatus
from rq.registry import FailedJobRegistry

from hub.queue import drain_jobs

from .sample_jobs import runs_of, sample_flaky, sample_reject

pytestmark = pytest.mark.redis


def readable(value: bytes) -> bytes:
    """The value, plus what it holds if rq stored it compressed (job data, failure text)."""
    for decode in (lambda v: zlib.decompress(b64decode(v)), zlib.decompress):
        try:
            return value + decode(value)
        except (zlib.error, binascii.Error, ValueError):
            pass
    return value


def everything_stored(connection) -> bytes:
    values: list[bytes] = []
    for key in connection.scan_iter():
        kind = connection.type(key)
        if kind == b"hash":
            values += connection.hgetall(key).values()
        elif kind == b"stream":
            values += [v for _, fields in connection.xrange(key) for v in fields.values()]
        elif kind == b"string":
            values.append(connection.get(key))
    return b"\n".join(readable(v) for v in values)


def test_a_transient_failure_is_retried_until_it_succeeds(redis_queues, tmp_path):
    job = redis_queues.enqueue(sample_flaky.ref(str(tmp_path), 2))
    drain_jobs(redis_queues.connection)
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "ok on run 3"
    assert len(runs_of(tmp_path)) == 3


def test_transient_retries_stop_at_the_declared_count(redis_queues, tmp_path):
    # Two transient retries are declared; the crash reserve must not buy a third.
    job = redis_queues.enqueue(sample_flaky.ref(str(tmp_path), 5))
    drain_jobs(redis_queues.connection)
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert len(runs_of(tmp_path)) == 3


def test_a_permanent_failure_fails_at_once_with_its_type_but_no_personal_data(
    redis_queues, tmp_path
):
    job = redis_queues.enqueue(sample_reject.ref(str(tmp_path), 1017))
    drain_jobs(redis_queues.connection)
    assert len(runs_of(tmp_path)) == 1  # not retried, though transient retries are declared
    failed = FailedJobRegistry("default", connection=redis_queues.connection)
    assert failed.get_job_ids() == [job.id]
    job.refresh()
    exc_string = job.latest_result().exc_string
    assert "builtins.ValueError" in exc_string
    assert "sample_jobs.py" in exc_string  # where it happened, for whoever triages it
    stored = everything_stored(redis_queues.connection)
    assert b"ValueError" in stored  # the scan does see the failure text
    assert b"jane.doe" not in stored
    assert b"not deliverable" not in stored
