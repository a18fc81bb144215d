"""Runs ``hub worker`` with loopback deliveries allowed (tests' receivers listen on 127.0.0.1)."""

from __future__ import annotations

from hub.cli.app import app
from hub.webhooks.settings import WebhookSettings, use_settings

if __name__ == "__main__":
    use_settings(WebhookSettings(allow_networks=("127.0.0.0/8",), require_https=False))
    app()
