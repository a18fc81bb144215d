"""Registers the Greenhouse connector with the hub (entry point ``greenhouse``)."""

from __future__ import annotations

from typing import Any

from connectors.greenhouse.connector import GreenhouseConnector
from connectors.greenhouse.schemas import OBJECT_TYPES
from connectors.greenhouse.settings import GreenhouseSettings
from hub import ConnectorContext, ConnectorRegistry, ConnectorSpec, EmulatorOptions, hookimpl

__all__ = [
    "VERSION",
    "build_connector",
    "build_emulator",
    "greenhouse_spec",
    "hub_register_connectors",
]

VERSION = "0.1.0"


def build_connector(settings: GreenhouseSettings, context: ConnectorContext) -> GreenhouseConnector:
    """Build a connector from validated settings (the spec's ``factory``)."""
    return GreenhouseConnector(settings, context, spec=greenhouse_spec())


def build_emulator(options: EmulatorOptions) -> Any:
    """Build the emulator app (imported lazily: FastAPI is not needed to sync)."""
    from connectors.greenhouse.emulator import build_greenhouse_emulator

    return build_greenhouse_emulator(options)


def greenhouse_spec() -> ConnectorSpec:
    """The Greenhouse connector's spec."""
    return ConnectorSpec(
        name="greenhouse",
        system="ats",
        version=VERSION,
        settings_model=GreenhouseSettings,
        object_types=dict(OBJECT_TYPES),
        factory=build_connector,
        emulator=build_emulator,
        description="Greenhouse Harvest v3 (ATS): candidates, prospects, applications, jobs",
    )


@hookimpl
def hub_register_connectors(registry: ConnectorRegistry) -> None:
    """Register the Greenhouse connector."""
    registry.add(greenhouse_spec())
