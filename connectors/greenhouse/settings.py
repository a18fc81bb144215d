"""The settings of one Greenhouse Harvest v3 connection."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["GreenhouseSettings"]


class GreenhouseSettings(BaseModel):
    """How to reach and pace one Greenhouse account.

    Attributes:
        base_url: Harvest v3 base URL.
        auth_url: OAuth2 server; the token endpoint is ``{auth_url}/token``.
        client_id: OAuth2 client id of the custom integration.
        client_secret: OAuth2 client secret.
        user_id: Greenhouse user id the token acts as (the ``sub`` of client credentials).
        webhook_secret: Secret key of the Greenhouse webhooks pointed at the hub.
        per_page: Page size for list requests (Harvest allows at most 500).
        rate_limit: Requests allowed per ``rate_window``; 0 turns pacing off.
        rate_window: Length of Greenhouse's rate window in seconds.
        timeout: Read/write timeout per request, in seconds.
        connect_timeout: Connect timeout, in seconds.
        retry_attempts: Total attempts per request, the first included.
        retry_max_seconds: Give up retrying a request after this long.
        retry_after_cap: Largest ``Retry-After`` wait honoured, in seconds.
        create_poll_attempts: Reads after a create that returned a truncated record.
        create_poll_interval: Seconds between those reads.
        write_concurrency: Writes sent at once, within the rate budget (1: one by one). At
            most the 10 connections the HTTP client keeps.
    """

    # Ids may arrive as YAML integers; they travel as strings.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    base_url: str = "https://harvest.greenhouse.io/v3"
    auth_url: str = "https://auth.greenhouse.io"
    client_id: str
    client_secret: SecretStr
    user_id: str
    webhook_secret: SecretStr | None = None
    per_page: int = Field(default=500, ge=1, le=500)
    rate_limit: int = Field(default=50, ge=0)
    rate_window: float = Field(default=10.0, gt=0)
    timeout: float = Field(default=30.0, gt=0)
    connect_timeout: float = Field(default=5.0, gt=0)
    retry_attempts: int = Field(default=6, ge=1)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    retry_after_cap: float = Field(default=120.0, gt=0)
    create_poll_attempts: int = Field(default=10, ge=1)
    create_poll_interval: float = Field(default=3.0, ge=0)
    write_concurrency: int = Field(default=4, ge=1, le=10)
