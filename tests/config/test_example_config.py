from __future__ import annotations

from pathlib import Path

from hub.config import load_config
from hub.plugins import HubPlugins

EXAMPLE = Path(__file__).parents[2] / "config.example.yaml"


def test_shipped_example_config_is_valid():
    plugins = HubPlugins.load(environ={})
    env = {
        "GREENHOUSE_CLIENT_ID": "id",
        "GREENHOUSE_CLIENT_SECRET": "secret",
        "GREENHOUSE_USER_ID": "1",
        "HUBSPOT_ACCESS_TOKEN": "token",
    }
    config = load_config(EXAMPLE, environ=env, plugins=plugins)
    assert set(config.connections) == {"greenhouse", "hubspot"}
    assert config.sync_pairs["main"].crm == "hubspot"
