"""Subscriptions: who receives which events, and the secrets their deliveries are signed with.

Functions take the caller's session and ``now`` and never commit: the CLI and the API own the
transaction. A secret is returned once, by ``create_subscription`` and ``rotate_secret``; listing
never shows it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from hub.errors import HubError
from hub.store.webhook_tables import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookSecret,
    WebhookSubscription,
)
from hub.webhooks.events import EVENT_TYPES, matches
from hub.webhooks.signing import generate_secret

__all__ = [
    "SubscriptionError",
    "SubscriptionNotFoundError",
    "WithSecret",
    "active_secrets",
    "check_event_filters",
    "check_url",
    "create_subscription",
    "get_subscription",
    "list_subscriptions",
    "remove_subscription",
    "rotate_secret",
    "set_enabled",
    "update_subscription",
]


class SubscriptionError(HubError):
    """A subscription request is invalid (bad URL, unknown event filter)."""


class SubscriptionNotFoundError(HubError):
    """No subscription has this id."""


@dataclass(frozen=True)
class WithSecret:
    """A subscription together with a secret shown this once.

    Attributes:
        subscription: The subscription row.
        secret: The new ``whsec_`` secret.
    """

    subscription: WebhookSubscription
    secret: str


def check_url(url: str, *, require_https: bool = True) -> str:
    """Refuse URLs deliveries cannot or must not use (the address is checked at send time).

    Raises:
        SubscriptionError: Not http(s), plain http where https is required, credentials in
            the URL, or no host.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (an out-of-range or non-numeric port raises here)
    except ValueError:
        raise SubscriptionError("the URL cannot be parsed (check its host and port)") from None
    if parts.scheme not in ("http", "https") or not host:
        raise SubscriptionError("the URL must be an absolute http(s) URL")
    if require_https and parts.scheme != "https":
        raise SubscriptionError("the URL must use https")
    if parts.username or parts.password:
        raise SubscriptionError("the URL must not carry credentials")
    return url


def check_event_filters(filters: Sequence[str]) -> list[str]:
    """Keep filters that select at least one catalogue event type, refuse the others.

    Raises:
        SubscriptionError: A filter is empty or selects no known event type.
    """
    if not filters:
        raise SubscriptionError("give at least one event type filter (e.g. application.*)")
    unknown = [f for f in filters if not any(matches(f, t) for t in EVENT_TYPES)]
    if unknown:
        raise SubscriptionError(f"no event type matches {', '.join(unknown)}")
    return list(dict.fromkeys(filters))


def create_subscription(
    session: Session,
    url: str,
    event_types: Sequence[str],
    *,
    now: datetime,
    description: str = "",
    require_https: bool = True,
) -> WithSecret:
    """Add an enabled subscription with a fresh secret.

    Raises:
        SubscriptionError: The URL or a filter is invalid.
    """
    subscription = WebhookSubscription(
        id=f"sub_{uuid.uuid4().hex[:20]}",
        url=check_url(url, require_https=require_https),
        event_types=check_event_filters(event_types),
        description=description,
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(subscription)
    session.flush()  # no ORM relationship orders the inserts, so the parent goes first
    secret = generate_secret()
    session.add(WebhookSecret(subscription_id=subscription.id, secret=secret, created_at=now))
    session.flush()
    return WithSecret(subscription, secret)


def get_subscription(session: Session, subscription_id: str) -> WebhookSubscription:
    """The subscription with this id.

    Raises:
        SubscriptionNotFoundError: There is none.
    """
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise SubscriptionNotFoundError(f"no webhook subscription {subscription_id}")
    return subscription


def list_subscriptions(
    session: Session, *, limit: int = 50, offset: int = 0
) -> tuple[list[WebhookSubscription], int]:
    """A page of subscriptions, oldest first, and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(WebhookSubscription)) or 0
    query = select(WebhookSubscription).order_by(
        WebhookSubscription.created_at, WebhookSubscription.id
    )
    return list(session.scalars(query.limit(limit).offset(offset))), total


def update_subscription(
    session: Session,
    subscription_id: str,
    *,
    now: datetime,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    require_https: bool = True,
) -> WebhookSubscription:
    """Change the URL, filters or description of a subscription (``None`` keeps a field)."""
    subscription = get_subscription(session, subscription_id)
    if url is not None:
        subscription.url = check_url(url, require_https=require_https)
    if event_types is not None:
        subscription.event_types = check_event_filters(event_types)
    if description is not None:
        subscription.description = description
    subscription.updated_at = now
    session.flush()
    return subscription


def set_enabled(
    session: Session, subscription_id: str, enabled: bool, *, now: datetime
) -> WebhookSubscription:
    """Enable or disable a subscription by hand; enabling forgets its run of failures."""
    subscription = get_subscription(session, subscription_id)
    subscription.enabled = enabled
    subscription.disabled_reason = None if enabled else "manual"
    if enabled:
        subscription.failing_since = None
    subscription.updated_at = now
    session.flush()
    return subscription


def remove_subscription(session: Session, subscription_id: str) -> None:
    """Delete a subscription with its secrets, deliveries and their attempts."""
    get_subscription(session, subscription_id)
    deliveries = select(WebhookDelivery.id).where(
        WebhookDelivery.subscription_id == subscription_id
    )
    # Explicit deletes, oldest dependants first: SQLite enforces but does not cascade
    # through the ORM, and this keeps both backends alike.
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    )
    session.execute(delete(WebhookSecret).where(WebhookSecret.subscription_id == subscription_id))
    session.execute(delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id))


def rotate_secret(
    session: Session,
    subscription_id: str,
    *,
    now: datetime,
    grace: timedelta = timedelta(hours=24),
) -> str:
    """Add a new secret; the current ones keep signing for ``grace`` (0 ends them at once).

    Returns:
        The new secret, shown this once.
    """
    get_subscription(session, subscription_id)
    ends = now + grace
    for old in _unexpired(session, subscription_id, now=now):
        if old.expires_at is None or old.expires_at > ends:
            old.expires_at = ends
    secret = generate_secret()
    session.add(WebhookSecret(subscription_id=subscription_id, secret=secret, created_at=now))
    session.flush()
    return secret


def active_secrets(session: Session, subscription_id: str, *, now: datetime) -> list[str]:
    """The secrets that sign deliveries now, newest first."""
    return [s.secret for s in _unexpired(session, subscription_id, now=now)]


def _unexpired(session: Session, subscription_id: str, *, now: datetime) -> list[WebhookSecret]:
    query = (
        select(WebhookSecret)
        .where(
            WebhookSecret.subscription_id == subscription_id,
            or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > now),
        )
        .order_by(WebhookSecret.created_at.desc(), WebhookSecret.id.desc())
    )
    return list(session.scalars(query))
