"""The FastAPI application, built by a factory: nothing happens at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from hub import __version__
from hub.api.errors import install_error_handlers
from hub.api.requests import RequestContextMiddleware
from hub.api.routes import admin, checks, health, subscriptions, webhooks
from hub.api.routes.persons import router as persons_router
from hub.api.routes.review import router as review_router
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
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    app.include_router(webhooks.router)
    if config.api.admin_tokens:
        app.include_router(admin.router)
        app.include_router(checks.router)
        app.include_router(subscriptions.router)
        app.include_router(review_router)
        app.include_router(persons_router)
    return app
