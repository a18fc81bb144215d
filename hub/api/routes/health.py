"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from hub.api.deps import Service
from hub.health import check_database, check_redis

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(hub: Service) -> JSONResponse:
    """Database and queue reachable, migrations current: 200, else 503 with the failing checks."""
    database = await run_in_threadpool(check_database, hub.config, hub.engine)
    queue = await run_in_threadpool(check_redis, hub.config)
    checks = {c.name: {"ok": c.ok, "detail": c.detail} for c in (database, queue)}
    ready = database.ok and queue.ok
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(hub: Service) -> Response:
    """Prometheus text exposition of the service's metrics."""
    return Response(hub.metrics.render(), media_type=CONTENT_TYPE_LATEST)
