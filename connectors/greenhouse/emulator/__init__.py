"""The Greenhouse Harvest v3 emulator: a FastAPI app over in-memory state, built on demand.

Options beyond :class:`hub.connector.EmulatorOptions` go in ``extra``: any
:class:`~connectors.greenhouse.emulator.gate.Knobs` field (``rate_window``, ``token_ttl``,
``slow_rate``, ``drop_rate``, ``truncated_creates``…), plus ``webhook_retry_scale`` (shrinks
Greenhouse's retry schedule) and ``duplicate_every`` (every n-th seeded person exists twice).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from connectors.greenhouse.emulator.admin import admin_router
from connectors.greenhouse.emulator.gate import EmulatorGate, Knobs
from connectors.greenhouse.emulator.outbox import WebhookOutbox
from connectors.greenhouse.emulator.routes import api_router, install_error_handler
from connectors.greenhouse.emulator.runtime import GreenhouseEmulator
from hub.connector import EmulatorOptions
from hub.errors import ConfigError

__all__ = ["GreenhouseEmulator", "Knobs", "build_greenhouse_emulator"]

OWN_EXTRAS = frozenset({"webhook_retry_scale", "duplicate_every"})


def _knobs(options: EmulatorOptions) -> Knobs:
    names = {f.name for f in dataclasses.fields(Knobs)}
    unknown = set(options.extra) - names - OWN_EXTRAS
    if unknown:
        raise ConfigError(
            f"greenhouse emulator: unknown option(s) {', '.join(sorted(unknown))}; "
            f"expected some of {', '.join(sorted(names | OWN_EXTRAS))}"
        )
    knobs = Knobs(**{k: v for k, v in options.extra.items() if k in names})
    if options.rate_limit is not None:
        knobs.rate_limit = options.rate_limit
    knobs.fault_rate = options.fault_rate
    return knobs


def build_greenhouse_emulator(options: EmulatorOptions) -> FastAPI:
    """Build an emulated Greenhouse, seeded from ``options``.

    The running emulator is ``app.state.emulator`` (a :class:`GreenhouseEmulator`).
    """
    outbox = WebhookOutbox(
        urls=list(options.webhook_urls),
        secret=options.webhook_secret,
        retry_scale=float(options.extra.get("webhook_retry_scale", 1.0)),
    )
    emulator = GreenhouseEmulator.create(
        knobs=_knobs(options),
        outbox=outbox,
        seed=options.seed,
        people=options.people,
        duplicate_every=int(options.extra.get("duplicate_every", 10)),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        outbox.stop()

    app = FastAPI(title="Greenhouse Harvest v3 emulator", lifespan=lifespan)
    app.state.emulator = emulator
    install_error_handler(app)
    app.include_router(api_router())
    app.include_router(admin_router())
    app.add_middleware(EmulatorGate, runtime=emulator.gate)
    return app
