"""Registers the HubSpot connector with the hub (entry point ``hubspot``)."""

from __future__ import annotations

from typing import Any

from hub import hookimpl
from hub.connector import (
    Connector,
    ConnectorContext,
    ConnectorRegistry,
    ConnectorSpec,
    EmulatorOptions,
)

__all__ = ["build_connector", "build_emulator", "hub_register_connectors", "hubspot_spec"]

VERSION = "0.1.0"


def build_connector(settings: Any, context: ConnectorContext) -> Connector:
    """Build a :class:`~connectors.hubspot.connector.HubSpotConnector` (the spec's factory)."""
    from connectors.hubspot.connector import HubSpotConnector

    return HubSpotConnector(hubspot_spec(), settings, context)


def build_emulator(options: EmulatorOptions) -> Any:
    """Build the HubSpot emulator app (the spec's emulator); imported late, FastAPI is heavy."""
    from connectors.hubspot.emulator import build_app

    return build_app(options)


def hubspot_spec() -> ConnectorSpec:
    """The HubSpot connector's spec."""
    from connectors.hubspot.schemas import HubSpotContact, HubSpotContactList
    from connectors.hubspot.settings import HubSpotSettings

    return ConnectorSpec(
        name="hubspot",
        system="crm",
        version=VERSION,
        settings_model=HubSpotSettings,
        object_types={"contact": HubSpotContact, "contact_list": HubSpotContactList},
        factory=build_connector,
        emulator=build_emulator,
        description="HubSpot CRM v3 contacts (private-app token), with webhooks and emulator",
    )


@hookimpl
def hub_register_connectors(registry: ConnectorRegistry) -> None:
    """Register the HubSpot connector."""
    registry.add(hubspot_spec())
