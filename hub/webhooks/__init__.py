"""Outbound webhooks: signing, retry schedule, SSRF-guarded transport and the event catalogue."""

from __future__ import annotations
