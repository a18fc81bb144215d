"""The HTTP service: inbound vendor webhooks, admin API, health and metrics."""

from __future__ import annotations

from hub.api.app import create_app

__all__ = ["create_app"]
