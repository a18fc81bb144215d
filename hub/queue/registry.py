"""How a job is declared: one decorator fixes its queue, retry policy and timeout.

A job is a module-level function taking only ids and small literals (``str``, ``int``, ``bool``)::

    @hub_job(queue="sync", timeout=600, retry=RetryPolicy(transient=(10, 60, 300)))
    def sync_pair(pair: str, since: int = 0) -> None: ...

    queues.enqueue(sync_pair.ref("crm-ats"))  # id "sync_pair-crm_2dats"

**The signature is a wire format.** Jobs already queued (or queued by an older release) are called
with the arguments they were enqueued with, so never rename, remove or reorder parameters: add new
ones at the end, with defaults. To change a job incompatibly, declare a new job with a new name.

**Ids are deterministic:** ``<name>-<arg1>-<arg2>…``, each argument escaped to rq's id alphabet
(``[A-Za-z0-9_-]``, rq 3.0 refuses ``:``), so equal calls get equal ids and enqueueing is unique.

**Failures.** Only exceptions listed in ``RetryPolicy.retry_on`` (by default the hub's
``RetryableError``) are retried. Whatever a job raises is replaced by a ``JobFailedError`` naming
only the exception's type and where it was raised: rq keeps the failure text for a year, and
exception messages (a vendor's error body, a SQL parameter) may carry personal data.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from rq import Retry, get_current_job

from hub.errors import HubError, RetryableError
from hub.queue.connection import QueueName

__all__ = [
    "JobDef",
    "JobFailedError",
    "JobRef",
    "RetryPolicy",
    "hub_job",
    "job_id",
    "registered_jobs",
]

P = ParamSpec("P")
R = TypeVar("R")
JobArg = str | int  # bool is an int

_REGISTRY: dict[str, JobDef[Any, Any]] = {}
_TRANSIENT_COUNT = "hub_transient_failures"


class JobFailedError(HubError):
    """A job failed; the message names the original exception's type and location only."""


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed job runs again.

    Attributes:
        transient: Seconds to wait before each retry of a transient failure; its length is the
            number of such retries. ``0`` retries at once; longer waits need a worker with its
            scheduler (``hub worker`` has one).
        crashes: Extra runs allowed when a worker dies mid-job (SIGKILL, OOM, power loss); this
            makes jobs at-least-once, so they must be idempotent. rq keeps one retry count for
            both budgets, so a crash may use a transient retry that is left (after that retry's
            interval): only ``crashes=0`` with no ``transient`` retries is at-most-once.
        retry_on: Exception types counted as transient. Anything else fails the job at once.
    """

    transient: tuple[int, ...] = ()
    crashes: int = 1
    retry_on: tuple[type[BaseException], ...] = (RetryableError,)

    def rq_retry(self) -> Retry | None:
        """The rq ``Retry`` holding this policy's budget (``None`` for no retries at all)."""
        total = len(self.transient) + self.crashes
        if total == 0:
            return None
        # rq picks interval[len - retries_left]: pad so the k-th retry waits transient[k-1].
        last = self.transient[-1] if self.transient else 0
        intervals = [*self.transient, *([last] * self.crashes)]
        return Retry(max=total, interval=intervals)


def _escape(arg: JobArg) -> str:
    text = str(int(arg)) if isinstance(arg, bool) else str(arg)
    # "-" separates arguments, so escape everything outside [A-Za-z0-9] (including "_" itself).
    return "".join(
        ch if ch.isascii() and ch.isalnum() else "".join(f"_{b:02x}" for b in ch.encode())
        for ch in text
    )


def job_id(name: str, args: tuple[JobArg, ...]) -> str:
    """The deterministic rq job id of ``name`` called with ``args``."""
    return "-".join([name, *(_escape(a) for a in args)]) if args else name


@dataclass(frozen=True)
class JobRef:
    """One call of a job, ready to enqueue: the job's declaration and its arguments."""

    job: JobDef[Any, Any]
    args: tuple[JobArg, ...]

    @property
    def id(self) -> str:
        """The deterministic job id: equal calls, equal ids."""
        return job_id(self.job.name, self.args)


@dataclass(eq=False)
class JobDef(Generic[P, R]):
    """A declared job. Calling it runs it here (as a worker does); ``ref(...)`` describes a call.

    Attributes:
        func: The undecorated function.
        name: Unique job name, the first part of every id (the function's name).
        path: Dotted import path rq stores and workers import.
        queue: Default queue.
        timeout: Seconds before the worker kills the job.
        retry: Retry policy.
        result_ttl: Seconds the return value is kept (``0``: not at all).
    """

    func: Callable[P, R]
    name: str
    path: str
    queue: QueueName
    timeout: int
    retry: RetryPolicy
    result_ttl: int = 500

    def __post_init__(self) -> None:
        self.__doc__ = self.func.__doc__

    def ref(self, *args: P.args, **kwargs: P.kwargs) -> JobRef:
        """Describe a call to enqueue. Arguments are positional ids and literals only."""
        if kwargs:
            raise TypeError(f"{self.name}: pass job arguments positionally (ids come from them)")
        checked: list[JobArg] = []
        for arg in args:
            if not isinstance(arg, str | int):
                raise TypeError(f"{self.name}: job arguments are ids, not {type(arg).__name__}")
            checked.append(arg)
        return JobRef(self, tuple(checked))

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the job, applying its failure policy (this is what the worker calls)."""
        try:
            return self.func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure is reported without its message
            self._limit_retries(exc)
            raise JobFailedError(_describe_failure(exc)) from None

    def _limit_retries(self, exc: Exception) -> None:
        current = get_current_job()
        if current is None:
            return
        transient = isinstance(exc, self.retry.retry_on)
        seen = int(current.meta.get(_TRANSIENT_COUNT, 0))
        if transient and seen < len(self.retry.transient):
            current.meta[_TRANSIENT_COUNT] = seen + 1
            current.save_meta()  # type: ignore[no-untyped-call]
        else:
            # rq would retry any failure while retries are left; the crash budget is not for this.
            current.retries_left = 0


def _describe_failure(exc: BaseException) -> str:
    kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    # HubError messages are written to carry no personal data; other exceptions' may.
    detail = f": {exc}" if isinstance(exc, HubError) else " (message withheld)"
    return f"{kind}{where}{detail}"


def hub_job(
    *,
    queue: QueueName = "default",
    timeout: int = 180,
    retry: RetryPolicy | None = None,
    result_ttl: int = 500,
) -> Callable[[Callable[P, R]], JobDef[P, R]]:
    """Declare a module-level function as a job.

    Args:
        queue: The queue it goes to unless the caller picks another.
        timeout: Seconds before the worker kills it (counted as a non-transient failure).
        retry: Retry policy; the default retries nothing transient and re-runs once after a crash.
        result_ttl: Seconds the return value is kept in Redis.

    Raises:
        ValueError: Another job already has this function's name (ids would collide).
    """

    def declare(func: Callable[P, R]) -> JobDef[P, R]:
        path = f"{func.__module__}.{func.__qualname__}"
        if "<" in path:
            raise ValueError(f"{path}: jobs must be module-level functions")
        existing = _REGISTRY.get(func.__name__)
        if existing is not None and existing.path != path:
            raise ValueError(f"job name {func.__name__!r} is taken by {existing.path}")
        declared = JobDef(
            func=func,
            name=func.__name__,
            path=path,
            queue=queue,
            timeout=timeout,
            retry=retry or RetryPolicy(),
            result_ttl=result_ttl,
        )
        _REGISTRY[declared.name] = declared
        return declared

    return declare


def registered_jobs() -> dict[str, JobDef[Any, Any]]:
    """Every job declared so far (modules not yet imported are absent), by name."""
    return dict(_REGISTRY)
