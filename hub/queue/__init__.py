"""The job queue: rq on Redis, or in-process in embedded mode.

Declare jobs with ``hub_job``, enqueue calls with ``JobQueues.enqueue(job.ref(...))``, fetch
per-process resources inside a job with ``current_context()``. See ``hub.queue.registry`` for the
rules jobs follow (ids only, signatures are a wire format).
"""

from __future__ import annotations

from hub.queue.connection import QUEUE_NAMES, QueueName, describe_queue, queue_connection
from hub.queue.context import WorkerContext, current_context, set_context
from hub.queue.enqueue import JobQueues
from hub.queue.registry import JobDef, JobFailedError, JobRef, RetryPolicy, hub_job, job_id
from hub.queue.workers import EmbeddedWorker, drain_jobs, recover_abandoned_jobs, run_worker

__all__ = [
    "QUEUE_NAMES",
    "EmbeddedWorker",
    "JobDef",
    "JobFailedError",
    "JobQueues",
    "JobRef",
    "QueueName",
    "RetryPolicy",
    "WorkerContext",
    "current_context",
    "describe_queue",
    "drain_jobs",
    "hub_job",
    "job_id",
    "queue_connection",
    "recover_abandoned_jobs",
    "run_worker",
    "set_context",
]
