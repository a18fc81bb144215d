"""An in-memory emulator of the HubSpot CRM v3 endpoints the connector uses.

``build_app(EmulatorOptions(...))`` returns a FastAPI app; nothing happens at import time.
Knobs beyond :class:`~hub.connector.EmulatorOptions` go in ``extra`` (see
:class:`~connectors.hubspot.emulator.state.EmulatorConfig`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from connectors.hubspot.emulator.admin import admin_router
from connectors.hubspot.emulator.api import CONTACT_PREFIXES, contacts_router, properties_router
from connectors.hubspot.emulator.errors import ApiError, error_body
from connectors.hubspot.emulator.gate import Gate
from connectors.hubspot.emulator.lists import lists_router
from connectors.hubspot.emulator.outbound import WebhookSender
from connectors.hubspot.emulator.state import EmulatorConfig, EmulatorState
from hub.connector import EmulatorOptions

__all__ = ["EmulatorConfig", "EmulatorState", "build_app"]


def build_app(options: EmulatorOptions) -> FastAPI:
    """Build the emulator: seeded contacts, API routes behind the gate, admin routes.

    The app's ``state.emulator`` is the :class:`EmulatorState` (handy in tests). Outbound
    webhooks run on a thread started and stopped by the app's lifespan.
    """
    config = EmulatorConfig.from_options(options)
    state = EmulatorState(options, config)
    sender = WebhookSender(
        options.webhook_urls,
        options.webhook_secret,
        now_ms=config.now_ms,
        batch_ms=config.webhook_batch_ms,
    )
    state.store.listeners.append(sender.record)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sender.start()
        try:
            yield
        finally:
            sender.stop()

    app = FastAPI(title="HubSpot CRM v3 emulator", lifespan=lifespan)
    app.state.emulator = state
    app.state.webhooks = sender

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            error_body("VALIDATION_ERROR", f"Invalid input ({len(error.errors())} problems)"),
            status_code=400,
        )

    contacts = contacts_router(state)
    for prefix in CONTACT_PREFIXES:
        app.include_router(contacts, prefix=prefix)
    app.include_router(properties_router(state))
    app.include_router(lists_router(state))
    app.include_router(admin_router(state, sender))
    app.add_middleware(Gate, state=state)
    return app
