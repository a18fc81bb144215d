"""Jobs used by the queue tests; each records its runs (one pid per line) in a work directory."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hub.errors import UnavailableError
from hub.queue import RetryPolicy, hub_job


def record_run(workdir: str) -> int:
    runs = Path(workdir) / "runs"
    with runs.open("a") as file:
        file.write(f"{os.getpid()}\n")
    return len(runs.read_text().splitlines())


def runs_of(workdir: Path) -> list[int]:
    runs = workdir / "runs"
    return [int(line) for line in runs.read_text().splitlines()] if runs.exists() else []


@hub_job(queue="sync", retry=RetryPolicy(transient=(0, 0)))
def sample_flaky(workdir: str, failures: int) -> str:
    runs = record_run(workdir)
    if runs <= failures:
        raise UnavailableError(f"attempt {runs} timed out", endpoint="GET /v3/candidates")
    return f"ok on run {runs}"


@hub_job(retry=RetryPolicy(transient=(0, 0, 0)))
def sample_reject(workdir: str, candidate_id: int) -> None:
    record_run(workdir)
    raise ValueError(f"candidate {candidate_id}: email jane.doe@example.com is not deliverable")


@hub_job(queue="sync", timeout=120, retry=RetryPolicy(crashes=1))
def sample_stall(workdir: str) -> str:
    runs = record_run(workdir)
    if runs == 1:
        time.sleep(120)  # the test kills the worker here
    return f"done on run {runs}"


@hub_job(queue="sync", timeout=120, retry=RetryPolicy(crashes=0))
def sample_stall_once(workdir: str) -> str:
    runs = record_run(workdir)
    if runs == 1:
        time.sleep(120)
    return f"done on run {runs}"


@hub_job(queue="sync", retry=RetryPolicy(transient=(3600,)))
def sample_flaky_later(workdir: str) -> str:
    runs = record_run(workdir)
    if runs == 1:
        raise UnavailableError("vendor answered 503", status=503, endpoint="GET /v3/candidates")
    return f"ok on run {runs}"
