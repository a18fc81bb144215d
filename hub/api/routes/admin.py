"""The admin API under ``/api/v1`` (mounted only when admin tokens are configured)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

import redis
from fastapi import APIRouter, Depends, HTTPException, Path, Response
from pydantic import BaseModel, ConfigDict
from rq.exceptions import InvalidJobOperation
from rq.job import Job
from sqlalchemy import func, select

from hub.api.deps import Service, require_admin
from hub.api.errors import error_responses
from hub.api.pagination import Limit, Offset
from hub.api.state import ServiceState
from hub.errors import HubError
from hub.queue import JobRef
from hub.store.tables import SyncRun
from hub.sync.jobs import sync_pair

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/v1",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=error_responses(401, 422),
)


class ConnectionPublic(BaseModel):
    """A configured connection (settings are not shown: they hold secrets)."""

    name: str
    connector: str
    system: str
    enabled: bool


class ConnectionsPublic(BaseModel):
    """A page of configured connections, in configuration order."""

    items: list[ConnectionPublic]
    total: int
    limit: int
    offset: int


class PairPublic(BaseModel):
    """A configured sync pair."""

    name: str
    crm: str
    ats: str
    schedule_seconds: float | None
    rules: str | None


class PairsPublic(BaseModel):
    """A page of configured sync pairs, in configuration order."""

    items: list[PairPublic]
    total: int
    limit: int
    offset: int


class SyncRequest(BaseModel):
    """How to run the pair."""

    model_config = ConfigDict(extra="forbid")

    full: bool = False


JobStatusName = Literal[
    "queued",
    "started",
    "finished",
    "failed",
    "deferred",
    "scheduled",
    "stopped",
    "canceled",
    "gone",
]


class JobPublic(BaseModel):
    """A background job and where it stands."""

    job_id: str
    status: JobStatusName


class SyncTriggered(JobPublic):
    """The sync job that was enqueued (or was already waiting: triggers are deduplicated)."""

    pair: str
    full: bool


class RunPublic(BaseModel):
    """One sync run."""

    id: int
    pair: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, Any]
    api_calls: dict[str, Any]
    error: str | None


class RunsPublic(BaseModel):
    """A page of sync runs, newest first."""

    items: list[RunPublic]
    total: int
    limit: int
    offset: int


@router.get("/connections")
def list_connections(hub: Service, limit: Limit = 50, offset: Offset = 0) -> ConnectionsPublic:
    """The configured connections and their connectors, paginated with ``limit`` and ``offset``."""
    items = []
    names = list(hub.config.connections)
    for name in names[offset : offset + limit]:
        conn = hub.config.connections[name]
        spec = hub.plugins.connector(conn.connector)
        items.append(
            ConnectionPublic(
                name=name, connector=spec.name, system=spec.system, enabled=conn.enabled
            )
        )
    return ConnectionsPublic(items=items, total=len(names), limit=limit, offset=offset)


@router.get("/pairs")
def list_pairs(hub: Service, limit: Limit = 50, offset: Offset = 0) -> PairsPublic:
    """The configured sync pairs, paginated with ``limit`` and ``offset``."""
    pairs = list(hub.config.sync_pairs.items())
    items = [
        PairPublic(
            name=name,
            crm=pair.crm,
            ats=pair.ats,
            schedule_seconds=pair.schedule.every.total_seconds() if pair.schedule else None,
            rules=pair.rules,
        )
        for name, pair in pairs[offset : offset + limit]
    ]
    return PairsPublic(items=items, total=len(pairs), limit=limit, offset=offset)


PairName = Annotated[str, Path(description="A sync pair's name from the configuration.")]


@router.post("/pairs/{pair}/sync", status_code=202, responses=error_responses(404, 503))
def trigger_sync(
    pair: PairName, hub: Service, response: Response, body: SyncRequest | None = None
) -> SyncTriggered:
    """Enqueue a run of the sync pair now; 202 with the job's id (poll ``/jobs/{job_id}``).

    Triggers are deduplicated: while a run of the pair waits in the queue, triggering again
    answers that job.
    """
    if pair not in hub.config.sync_pairs:
        raise HTTPException(404, f"no sync pair named {pair!r}")
    full = body.full if body is not None else False
    # the scheduler enqueues sync_pair(pair): the same call, so the same id and one job
    ref = sync_pair.ref(pair, True) if full else sync_pair.ref(pair)
    job = _enqueue(hub, ref)
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return SyncTriggered(job_id=job.id, status=_status(job), pair=pair, full=full)


@router.get("/jobs/{job_id}", responses=error_responses(404, 503))
def get_job(
    job_id: Annotated[str, Path(pattern="^[A-Za-z0-9_-]{1,512}$", description="A job's id.")],
    hub: Service,
) -> JobPublic:
    """Where a background job stands (rq keeps finished jobs for a while, then forgets them)."""
    try:
        job = hub.queues.fetch(job_id)
    except redis.RedisError:
        raise HTTPException(503, "the job queue is unreachable") from None
    if job is None:
        raise HTTPException(404, f"no job {job_id!r} (unknown, or expired)")
    return JobPublic(job_id=job.id, status=_status(job))


def _enqueue(hub: ServiceState, ref: JobRef) -> Job:
    try:
        return hub.queues.enqueue(ref)
    except (redis.RedisError, HubError) as exc:
        log.warning("could not enqueue %s: %s", ref.id, type(exc).__name__)
        raise HTTPException(503, "the job queue is unreachable; try again") from None


_STATUSES: dict[str, JobStatusName] = {name: name for name in get_args(JobStatusName)}


def _status(job: Job) -> JobStatusName:
    try:
        status = job.get_status(refresh=True)
    except (redis.RedisError, InvalidJobOperation):
        return "gone"
    return _STATUSES.get(str(getattr(status, "value", status)), "gone")


@router.get("/runs")
def list_sync_runs(
    hub: Service,
    pair: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RunsPublic:
    """Sync runs, newest first, paginated with ``limit`` and ``offset``."""
    query = select(SyncRun)
    counter = select(func.count()).select_from(SyncRun)
    if pair is not None:
        query, counter = query.where(SyncRun.pair == pair), counter.where(SyncRun.pair == pair)
    with hub.sessions() as session:
        total = session.scalar(counter) or 0
        runs = session.scalars(
            query.order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(limit).offset(offset)
        ).all()
        items = [RunPublic.model_validate(run, from_attributes=True) for run in runs]
    return RunsPublic(items=items, total=total, limit=limit, offset=offset)
