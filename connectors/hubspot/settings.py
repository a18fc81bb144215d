"""Settings of one HubSpot connection."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["HubSpotSettings"]


class HubSpotSettings(BaseModel):
    """How to reach one HubSpot account (a private app's token) and verify its webhooks.

    Attributes:
        base_url: API root; point it at the emulator to try things out.
        access_token: The private app's access token (``Authorization: Bearer``).
        client_secret: The app's client secret, which signs webhooks.
        signature_version: Which webhook signature to verify (v3 for current apps).
        webhook_public_url: Public origin HubSpot calls (``https://hub.example.com``); the
            signed URI is rebuilt from it because proxies rewrite the host and scheme.
        rate_limit: Requests per 10-second window (100 Free/Starter, 190 Pro/Enterprise,
            250 with the API add-on); 0 turns pacing off.
        search_rate_per_second: Requests per second for the search endpoint (its own limit).
        daily_reserve: Daily requests kept unused for other integrations; the run stops with
            BudgetExhaustedError when HubSpot reports no more than this left.
        batch_size: Inputs per batch call (HubSpot's maximum is 100).
        search_page_size: Results per search page (HubSpot's maximum is 200).
        timeout_seconds: Read timeout per request.
        connect_timeout_seconds: Connect timeout per request.
        extra_properties: More contact properties to read, beyond the standard and hub ones.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = "https://api.hubapi.com"
    access_token: SecretStr
    client_secret: SecretStr | None = None
    signature_version: Literal["v1", "v2", "v3"] = "v3"
    webhook_public_url: str | None = None
    rate_limit: int = Field(default=100, ge=0)
    search_rate_per_second: float = Field(default=5.0, ge=0)
    daily_reserve: int = Field(default=1000, ge=0)
    batch_size: int = Field(default=100, ge=1, le=100)
    search_page_size: int = Field(default=200, ge=1, le=200)
    timeout_seconds: float = Field(default=30.0, gt=0)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    extra_properties: tuple[str, ...] = ()
