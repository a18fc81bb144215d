from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rq.job import JOB_ID_PATTERN

from hub.queue import RetryPolicy, hub_job, job_id
from hub.queue.jobs import check_health

from .sample_jobs import sample_flaky

args = st.lists(st.one_of(st.text(max_size=12), st.integers()), max_size=3).map(tuple)


@given(args)
def test_job_ids_are_valid_rq_ids(call):
    assert JOB_ID_PATTERN.fullmatch(job_id("sync_pair", call))


@given(args, args)
def test_different_calls_get_different_ids(first, second):
    as_text = lambda call: tuple(str(int(a)) if isinstance(a, bool) else str(a) for a in call)  # noqa: E731
    if as_text(first) != as_text(second):
        assert job_id("sync_pair", first) != job_id("sync_pair", second)


def test_ids_read_as_verb_and_arguments():
    assert sample_flaky.ref("crm-ats", 42).id == "sample_flaky-crm_2dats-42"
    assert check_health.ref().id == "check_health"


def test_refs_take_ids_not_objects_or_keywords():
    with pytest.raises(TypeError, match="ids, not"):
        sample_flaky.ref(["a"], 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="positionally"):
        sample_flaky.ref(workdir="x", failures=1)


def test_a_job_name_cannot_be_declared_twice():
    def check_health() -> None: ...

    check_health.__qualname__ = "check_health"  # as if declared at module level here
    with pytest.raises(ValueError, match=r"taken by hub\.queue\.jobs\.check_health"):
        hub_job()(check_health)


def test_jobs_must_be_importable_module_level_functions():
    def nested() -> None: ...

    with pytest.raises(ValueError, match="module-level"):
        hub_job()(nested)


def test_retry_policy_reserves_runs_for_crashes_after_transient_retries():
    retry = RetryPolicy(transient=(5, 60)).rq_retry()
    assert retry is not None
    assert (retry.max, retry.intervals) == (3, [5, 60, 60])
    assert RetryPolicy(crashes=0).rq_retry() is None
