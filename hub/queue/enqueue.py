"""Putting jobs on queues: the typed facade every feature uses, with unique enqueue.

A job's id is derived from its call (see ``hub.queue.registry``), and enqueueing an id that is
already waiting or running returns that job instead of adding another, so a burst of identical
triggers (ten webhooks about one candidate) makes one job. An id whose last run is over (finished,
failed, stopped) is replaced by a fresh run.
"""

from __future__ import annotations

import logging
from typing import Final

import redis
from rq import Queue
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from hub.config import HubConfig
from hub.errors import HubError
from hub.queue.connection import QUEUE_NAMES, QueueName, queue_connection
from hub.queue.registry import JobRef

__all__ = ["JobQueues"]

log = logging.getLogger(__name__)

_PENDING: Final = frozenset(
    {
        JobStatus.CREATED,
        JobStatus.QUEUED,
        JobStatus.STARTED,
        JobStatus.SCHEDULED,
        JobStatus.DEFERRED,
        JobStatus.READY_TO_ENQUEUE,
    }
)
_ATTEMPTS = 5  # each lost race means another producer just enqueued or cleared this id
FAILURE_TTL: Final = 30 * 86400  # rq's default is a year; failed jobs are for triage, not history


class JobQueues:
    """The hub's queues (``webhooks``, ``sync``, ``default``) on one Redis connection.

    Args:
        connection: The queue's Redis (see ``queue_connection``).
    """

    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection
        self._queues: dict[str, Queue] = {}

    @classmethod
    def for_config(cls, config: HubConfig) -> JobQueues:
        """The queues of the configured Redis, or of this process's embedded one."""
        return cls(queue_connection(config))

    def queue(self, name: QueueName) -> Queue:
        """The rq queue called ``name``."""
        if name not in QUEUE_NAMES:
            raise ValueError(f"unknown queue {name!r}; the queues are {', '.join(QUEUE_NAMES)}")
        if name not in self._queues:
            self._queues[name] = Queue(name, connection=self.connection)
        return self._queues[name]

    def enqueue(self, ref: JobRef, *, queue: QueueName | None = None) -> Job:
        """Enqueue one call of a job, unless the same call is already waiting or running.

        Args:
            ref: The call, e.g. ``check_health.ref()``.
            queue: Overrides the job's declared queue.

        Returns:
            The new job, or the pending one with the same id.
        """
        target = self.queue(queue or ref.job.queue)
        spec = ref.job
        for _ in range(_ATTEMPTS):
            try:
                return target.enqueue(
                    spec.path,
                    *ref.args,
                    job_id=ref.id,
                    unique=True,
                    description=ref.id,
                    job_timeout=spec.timeout,
                    retry=spec.retry.rq_retry(),
                    result_ttl=spec.result_ttl,
                    failure_ttl=FAILURE_TTL,
                )
            except DuplicateJobError:
                pending = self._pending_or_cleared(ref.id)
                if pending is not None:
                    return pending
        raise HubError(f"could not enqueue {ref.id}: its id kept changing state")

    def fetch(self, job_id: str) -> Job | None:
        """The job with this id, if Redis still has it."""
        try:
            return Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return None

    def _pending_or_cleared(self, job_id: str) -> Job | None:
        """The pending job with this id; or ``None`` once a finished one is deleted (or gone)."""
        with self.connection.pipeline() as pipe:
            try:
                # WATCH makes the delete fail if another producer touches the job meanwhile.
                pipe.watch(Job.key_for(job_id))  # type: ignore[no-untyped-call]
                existing = self.fetch(job_id)
                if existing is None:
                    return None
                if existing.get_status(refresh=False) in _PENDING:
                    return existing
                pipe.multi()
                existing.delete(pipeline=pipe)
                pipe.execute()
                log.info("replacing job %s, whose last run is over", job_id)
            except redis.WatchError:
                return None
        return None
