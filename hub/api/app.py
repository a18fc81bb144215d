"""The FastAPI application, built by a factory: nothing happens at import time."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response

from hub import __version__
from hub.api.errors import install_error_handlers
from hub.api.routes import admin, health, subscriptions, webhooks
from hub.api.state import open_service
from hub.config import HubConfig
from hub.plugins import HubPlugins

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    config: HubConfig,
    *,
    plugins: HubPlugins | None = None,
    now: Callable[[], datetime] = _utcnow,
) -> FastAPI:
    """Build the service.

    Args:
        config: The validated configuration.
        plugins: Installed plugins (loaded from entry points when ``None``).
        now: Wall clock (tests inject one).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = open_service(config, plugins or HubPlugins.load(), now=now)
        app.state.hub = service
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="talent-hub",
        version=__version__,
        description="Keeps a recruiting CRM and an ATS in sync.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.middleware("http")(_request_id)
    app.include_router(health.router)
    app.include_router(webhooks.router)
    if config.api.admin_tokens:
        app.include_router(admin.router)
        app.include_router(subscriptions.router)
    return app


async def _request_id(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    request.state.request_id = request_id
    response = await call_next(request)
    response.headers["X-Request-ID"] = request_id
    return response
