"""Settings of outbound webhooks (``webhooks:`` in the config), with production defaults."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, IPvAnyNetwork

from hub.webhooks.ssrf import SsrfPolicy

__all__ = ["WebhookSettings", "use_settings", "webhook_settings"]


def _duration(value: Any) -> timedelta:
    # Imported when a value is validated, not at import: hub.config will import this module.
    from hub.config import parse_duration

    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class WebhookSettings(BaseModel):
    """How deliveries go out.

    Attributes:
        allow_networks: Non-global networks deliveries may reach anyway (``127.0.0.0/8`` for
            tests and the sandbox); everything internal is refused otherwise.
        require_https: Refuse plain ``http`` subscription URLs.
        rotation_grace: How long an old secret keeps signing beside a new one.
        batch_size: Most deliveries of one subscription sent by one job.
        lease: How long a claimed delivery belongs to its job before it may be claimed again.
        batch_budget: A job stops taking deliveries after this long and hands the rest back.
        person_fields: Golden-record fields payloads may carry about a person (``given_name``,
            ``company``, ``relationship_status``…); empty by default: ids only.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_networks: tuple[IPvAnyNetwork, ...] = ()
    require_https: bool = True
    rotation_grace: Duration = timedelta(hours=24)
    batch_size: int = Field(default=50, ge=1, le=500)
    lease: Duration = timedelta(minutes=5)
    batch_budget: Duration = timedelta(seconds=60)
    person_fields: tuple[str, ...] = ()

    def ssrf_policy(self) -> SsrfPolicy:
        """The SSRF policy of the delivery client."""
        networks = tuple(ipaddress.ip_network(str(n)) for n in self.allow_networks)
        return SsrfPolicy(allow_networks=networks, require_https=self.require_https)


_override: WebhookSettings | None = None


def webhook_settings(config: Any = None) -> WebhookSettings:
    """The webhook settings of ``config`` (its ``webhooks`` key), or the process override.

    Args:
        config: A ``HubConfig``; what ``use_settings`` installed takes precedence.

    Returns:
        The settings to use.
    """
    if _override is not None:
        return _override  # installed by tests and the sandbox
    configured = getattr(config, "webhooks", None)
    return configured if isinstance(configured, WebhookSettings) else WebhookSettings()


def use_settings(settings: WebhookSettings | None) -> None:
    """Install settings for this process (tests, and until ``HubConfig`` has ``webhooks``)."""
    global _override
    _override = settings
