"""Tables of outbound webhooks: subscriptions and their secrets, the outbox and its log.

The database is the truth for every delivery: its status, attempt count, next due time and
claim. The job queue only carries claims (``deliver_batch(subscription, claim)``), so losing
Redis or every worker loses no delivery: an expired or orphaned claim is simply claimed again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base

__all__ = [
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookMessage",
    "WebhookNotice",
    "WebhookSecret",
    "WebhookSubscription",
]


class WebhookSubscription(Base):
    """A receiver of outbound events: its URL and the event types it wants (wildcards allowed).

    ``disabled_reason`` says why ``enabled`` is off: ``manual``, ``gone`` (a 410) or
    ``failing`` (failing for too long). ``failing_since`` starts at the first failure of a run
    of failures and is cleared by any success.
    """

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(16))
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookSecret(Base):
    """One signing secret of a subscription; it signs until ``expires_at`` (``None``: forever)."""

    __tablename__ = "webhook_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]


class WebhookMessage(Base):
    """One emitted event, with the exact body every delivery of it sends and signs.

    ``id`` is the event's id, sent as ``webhook-id`` on every attempt and replay.
    """

    __tablename__ = "webhook_messages"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)


class WebhookDelivery(Base):
    """One message to one subscription.

    ``status`` is ``pending`` (never attempted), ``retrying`` (failed, due again at
    ``next_attempt_at``), ``succeeded`` or ``exhausted`` (the dead-letter state). ``attempts``
    counts attempts in the current retry schedule (a replay starts a new one). A delivery
    handed to the queue carries a ``claim`` token until ``lease_until``; the job sends only
    deliveries still holding its token, so a reclaimed delivery is never sent by a stale job.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "subscription_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("webhook_messages.id"))
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claim: Mapped[str | None] = mapped_column(String(32), index=True)
    lease_until: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery (append-only): when, how long, what came back.

    ``response_excerpt`` holds the start of the response body only; request headers (and so
    signatures) are never stored. ``trigger`` is ``auto`` or ``replay``.
    """

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(8), default="auto")


class WebhookNotice(Base):
    """Something an operator must hear about by another channel than the webhook itself.

    ``kind`` is ``webhook.exhausted`` (a delivery dead-lettered) or
    ``webhook.subscription_disabled`` (a 410, or failing for too long). Kept after the
    subscription is removed, so it has no foreign key.
    """

    __tablename__ = "webhook_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(48))
    subscription_id: Mapped[str] = mapped_column(String(32), index=True)
    delivery_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
