"""Running jobs: the ``hub worker`` process on Redis, and the in-process worker of embedded mode.

Both are rq ``SimpleWorker``s: jobs run in the worker's own process, so the per-process context
(settings, plugins, store) and any HTTP clients are built once, not per job; the research notes
measured about 6x the job rate of rq's forking worker. ``--max-jobs`` style recycling is not
needed for the hub's job sizes.

**Abandoned jobs.** rq notices a job whose worker died only when the job's registry entry
expires: the job's timeout plus 60 s for a ``SimpleWorker``, then up to one maintenance interval.
A worker starting on the same host does better: worker names carry the host, the pid namespace
and the pid, so it can tell for sure that a worker on its host is gone (its pid no longer runs)
and hand that worker's started jobs to rq's own cleanup at once. rq then re-runs each job that
has retries left (``RetryPolicy.crashes``) and moves the others to the failed registry.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Sequence

import redis
from rq import SimpleWorker
from rq.job import Job
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from hub.background import BackgroundThread
from hub.queue.connection import QUEUE_NAMES, QueueName
from hub.queue.enqueue import JobQueues

__all__ = [
    "EmbeddedWorker",
    "HubWorker",
    "ThreadWorker",
    "drain_jobs",
    "recover_abandoned_jobs",
    "run_worker",
    "worker_name",
]

log = logging.getLogger(__name__)

_SEP = "~"  # not allowed in hostnames, so a name splits back unambiguously
_local_names: set[str] = set()  # workers of this process: alive though they share its pid


def _pid_namespace() -> str:
    # Two containers may share a hostname (host networking) yet not each other's pids.
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "unknown"


def _log_level() -> str:
    # rq sets its own logger's level from this; follow the process's configuration.
    return logging.getLevelName(logging.getLogger().getEffectiveLevel())


def worker_name() -> str:
    """A unique worker name saying where the worker runs: host, pid namespace and pid."""
    parts = (socket.gethostname(), _pid_namespace(), str(os.getpid()), uuid.uuid4().hex[:8])
    name = _SEP.join(parts)
    _local_names.add(name)
    return name


def _certainly_dead(name: str) -> bool:
    """Is the worker called ``name`` known to be gone? ``False`` whenever in doubt."""
    parts = name.rsplit(_SEP, 3)
    if len(parts) != 4 or not parts[2].isdigit():
        return False  # not named by us: leave it to rq's timeout
    host, namespace, pid = parts[0], parts[1], int(parts[2])
    if (
        host != socket.gethostname()
        or namespace in ("unknown", "")
        or namespace != _pid_namespace()
    ):
        return False
    if pid == os.getpid():
        # Our pid but not one of our workers: an earlier process had this pid (pid 1 in a
        # restarted container, typically).
        return name not in _local_names
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # a live process of another user (maybe a reused pid): assume alive
    return False  # alive, or its pid was reused: rq's timeout will decide


def recover_abandoned_jobs(connection: redis.Redis, queues: Sequence[str]) -> list[str]:
    """Hand the started jobs of dead workers on this host to rq's abandoned-job handling now.

    Args:
        connection: The queue's Redis.
        queues: Queue names to look at.

    Returns:
        The ids of the jobs handed over (each is re-run or failed by its retry budget).
    """
    recovered: list[str] = []
    for name in queues:
        registry = StartedJobRegistry(name, connection=connection)
        dead: list[str] = []
        for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
            job = Job.fetch_many([job_id], connection=connection)[0]
            if job is not None and job.worker_name and _certainly_dead(job.worker_name):
                dead.append(f"{job_id}:{execution_id}")
                recovered.append(job_id)
        if dead:
            # A score of 0 means "expired": rq's cleanup then treats them as abandoned.
            connection.zadd(registry.key, dict.fromkeys(dead, 0))
            registry.cleanup()
    for job_id in recovered:
        log.warning("job %s was abandoned by a dead worker; handed to rq's cleanup", job_id)
    return recovered


class HubWorker(SimpleWorker):
    """An rq ``SimpleWorker`` named with ``worker_name()``."""

    def __init__(self, queues: Sequence[QueueName], *, connection: redis.Redis) -> None:
        jobs = JobQueues(connection)
        super().__init__([jobs.queue(q) for q in queues], connection=connection, name=worker_name())


class ThreadWorker(HubWorker):
    """A worker that may run in any thread: no signal handlers, timeouts by timer."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        # signal.signal() works only in the main thread; the embedding process owns its signals.
        pass


def run_worker(
    connection: redis.Redis,
    queues: Sequence[QueueName] = QUEUE_NAMES,
    *,
    burst: bool = False,
) -> HubWorker:
    """Run a worker in this process until stopped (SIGINT/SIGTERM) or, with ``burst``, idle.

    Args:
        connection: The queue's Redis.
        queues: Queues to serve, most urgent first.
        burst: Stop once the queues are empty.

    Returns:
        The worker, once it has stopped.
    """
    recover_abandoned_jobs(connection, queues)
    worker = HubWorker(queues, connection=connection)
    worker.work(burst=burst, with_scheduler=True, logging_level=_log_level())
    return worker


class _InProcess:
    """A thread-safe worker plus a scheduler ticked by hand, for embedded mode."""

    def __init__(self, connection: redis.Redis, queues: Sequence[QueueName]) -> None:
        self.worker = ThreadWorker(queues, connection=connection)
        # rq's scheduler would fork a process, which cannot see an in-memory Redis; tick it here.
        self.scheduler = RQScheduler(
            list(queues), connection=connection, interval=1, logging_level="WARNING"
        )

    def move_due_jobs(self) -> None:
        """Put scheduled jobs (delayed retries) whose time has come on their queues."""
        self.scheduler.acquire_locks()  # type: ignore[no-untyped-call]
        self.scheduler.enqueue_scheduled_jobs()  # type: ignore[no-untyped-call]

    def work(self, *, burst: bool, max_jobs: int | None = None) -> bool:
        """One rq work loop; with ``burst`` it returns once the queues are empty."""
        # rq logs each start and stop of its loop at INFO, which here happens every second.
        idle = None if burst else 1
        ran: bool = self.worker.work(
            burst=burst, max_idle_time=idle, max_jobs=max_jobs, logging_level="WARNING"
        )
        return ran

    def close(self) -> None:
        """Let another scheduler take the queues at once (a held lock lasts a minute)."""
        self.scheduler.release_locks()  # type: ignore[no-untyped-call]


def drain_jobs(connection: redis.Redis, queues: Sequence[QueueName] = QUEUE_NAMES) -> bool:
    """Run queued jobs in this thread until none is left (embedded mode's CLI commands, tests).

    Retries due later are left for a later drain or an ``EmbeddedWorker``.

    Returns:
        Whether any job ran.
    """
    runner = _InProcess(connection, queues)
    ran = False
    try:
        while True:
            runner.move_due_jobs()
            if not runner.work(burst=True):
                return ran
            ran = True
    finally:
        runner.close()


class EmbeddedWorker(BackgroundThread):
    """A background thread running jobs in this process (embedded mode's worker).

    Args:
        connection: The queue's Redis (in embedded mode, ``queue_connection(config)``).
        queues: Queues to serve.
    """

    def __init__(self, connection: redis.Redis, queues: Sequence[QueueName] = QUEUE_NAMES) -> None:
        super().__init__("hub-embedded-worker")
        self._runner = _InProcess(connection, queues)

    def run(self) -> None:
        """Run jobs until stopped."""
        # Each round waits for jobs up to a second, so due retries move and stop() is seen.
        while not self.stopping.is_set():
            try:
                self._runner.move_due_jobs()
                self._runner.work(burst=False, max_jobs=100)
            except Exception:  # a broken job must not end the embedding process's worker
                log.exception("embedded worker: unexpected error; continuing")
                self.stopping.wait(1)
        self._runner.close()
