"""HubSpot CRM v3 connector: contacts, properties, webhooks, and an emulator of the API."""

from __future__ import annotations
