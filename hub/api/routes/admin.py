"""The admin API under ``/api/v1`` (mounted only when admin tokens are configured)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import func, select

from hub.api.deps import Service, require_admin
from hub.api.errors import ErrorBody
from hub.store.tables import SyncRun

router = APIRouter(
    prefix="/api/v1",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={401: {"model": ErrorBody}},
)


class ConnectionPublic(BaseModel):
    """A configured connection (settings are not shown: they hold secrets)."""

    name: str
    connector: str
    system: str
    enabled: bool


class ConnectionsPublic(BaseModel):
    """All configured connections."""

    items: list[ConnectionPublic]


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
def list_connections(hub: Service) -> ConnectionsPublic:
    """The configured connections and their connectors."""
    items = []
    for name, conn in hub.config.connections.items():
        spec = hub.plugins.connector(conn.connector)
        items.append(
            ConnectionPublic(
                name=name, connector=spec.name, system=spec.system, enabled=conn.enabled
            )
        )
    return ConnectionsPublic(items=items)


@router.get("/runs")
def list_sync_runs(
    hub: Service,
    pair: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
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
