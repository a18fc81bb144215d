from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from pydantic import ValidationError

from hub.config import HubConfig
from hub.webhooks.settings import WebhookSettings, use_settings, webhook_settings


def test_settings_parse_durations_and_networks_and_refuse_unknown_keys():
    settings = WebhookSettings.model_validate(
        {"allow_networks": ["127.0.0.0/8"], "rotation_grace": "2h", "require_https": False}
    )
    assert settings.rotation_grace == timedelta(hours=2)
    policy = settings.ssrf_policy()
    assert policy.allow_networks == (ipaddress.ip_network("127.0.0.0/8"),)
    assert policy.require_https is False
    with pytest.raises(ValidationError):
        WebhookSettings.model_validate({"retries": 3})


def test_defaults_are_production_safe_until_settings_are_installed():
    defaults = webhook_settings(HubConfig())
    assert defaults.require_https
    assert defaults.allow_networks == ()
    installed = WebhookSettings(require_https=False)
    use_settings(installed)
    try:
        assert webhook_settings(HubConfig()) is installed
    finally:
        use_settings(None)
