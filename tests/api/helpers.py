"""Helpers shared by the service tests: the fake plugins and a service configuration."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.config import HubConfig
from hub.plugins import HubPlugins, get_plugin_manager
from tests.fakeconnector import FakePlugin

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
TOKEN = "admin-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def fake_plugins() -> HubPlugins:
    plugins = HubPlugins(get_plugin_manager(load_entry_points=False))
    plugins.register(FakePlugin(), name="fake")
    return plugins


def service_config(database_url: str, *, tokens=(TOKEN,), redis_url="", **extra) -> HubConfig:
    return HubConfig.model_validate(
        {
            "database_url": database_url,
            "redis_url": redis_url,
            "api": {"admin_tokens": list(tokens), "max_body_bytes": 4096},
            "connections": {
                "crm": {"connector": "fakecrm", "settings": {"api_key": "fake-key"}},
                "ats": {"connector": "fakeats", "settings": {"api_key": "fake-key"}},
            },
            **extra,
        }
    )
