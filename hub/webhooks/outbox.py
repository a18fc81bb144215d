"""The transactional outbox: events are written with the change that causes them.

``emit_event`` inserts the message and one delivery per matching enabled subscription in the
*caller's* session, so they commit or roll back with the caller's state change. Nothing is sent
from here: the dispatcher hands due deliveries to the queue (see ``hub.webhooks.dispatcher``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hub.errors import HubError
from hub.store.webhook_tables import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
    WebhookSubscription,
)
from hub.webhooks.events import WebhookEvent, matches

__all__ = [
    "DELIVERY_STATUSES",
    "OPEN_STATUSES",
    "DeliveryNotFoundError",
    "attempts_of",
    "emit_event",
    "get_delivery",
    "list_deliveries",
    "new_event_id",
    "replay_delivery",
    "replay_since",
]

log = logging.getLogger(__name__)

#: ``failed`` is a filter only: retrying or exhausted.
DELIVERY_STATUSES = ("pending", "retrying", "succeeded", "exhausted", "failed")
#: Deliveries that still have an attempt to make.
OPEN_STATUSES = ("pending", "retrying")


class DeliveryNotFoundError(HubError):
    """No delivery has this id."""


def new_event_id(now: datetime) -> str:
    """A fresh ``msg_`` id that sorts by creation time (milliseconds, then 64 random bits)."""
    return f"msg_{int(now.timestamp() * 1000):012x}{secrets.token_hex(8)}"


def emit_event(
    session: Session,
    event: WebhookEvent,
    *,
    now: datetime,
    on_commit: Callable[[], None] | None = None,
) -> list[int]:
    """Write ``event`` and its deliveries in the caller's transaction; never commits.

    Call it in the same session (and transaction) as the change the event reports, so a
    rolled-back change sends nothing and a committed one is never lost.

    Args:
        session: The caller's session, inside its transaction.
        event: The event; ``event.id`` becomes the ``webhook-id`` (see ``new_event_id``).
        now: The current time; deliveries are due from then.
        on_commit: Called once after the transaction commits, to ring the dispatcher's
            doorbell (``hub.webhooks.dispatcher.ring_doorbell``); errors there are logged,
            not raised, because the sweeper finds the deliveries anyway.

    Returns:
        The ids of the deliveries created (none when no enabled subscription matches).
    """
    wanted = [
        s.id
        for s in session.scalars(select(WebhookSubscription).where(WebhookSubscription.enabled))
        if any(matches(f, event.type) for f in s.event_types)
    ]
    if not wanted:
        return []
    session.add(
        WebhookMessage(
            id=event.id,
            event_type=event.type,
            occurred_at=event.occurred_at,
            created_at=now,
            body=event.model_dump_json(),
        )
    )
    session.flush()
    deliveries = [
        WebhookDelivery(
            message_id=event.id,
            subscription_id=sub,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        for sub in wanted
    ]
    session.add_all(deliveries)
    session.flush()
    if on_commit is not None:
        sa_event.listen(session, "after_commit", _once(on_commit), once=True)
    return [d.id for d in deliveries]


def _once(callback: Callable[[], None]) -> Callable[[Session], None]:
    def after_commit(_session: Session) -> None:
        try:
            callback()
        except Exception:  # the caller's commit succeeded; the sweeper catches up
            log.warning("webhook doorbell failed; the sweeper will dispatch", exc_info=True)

    return after_commit


def get_delivery(session: Session, delivery_id: int) -> WebhookDelivery:
    """The delivery with this id.

    Raises:
        DeliveryNotFoundError: There is none.
    """
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise DeliveryNotFoundError(f"no webhook delivery {delivery_id}")
    return delivery


def list_deliveries(
    session: Session,
    *,
    subscription_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[WebhookDelivery], int]:
    """A page of deliveries, newest first, and how many match in all.

    Args:
        session: A session.
        subscription_id: Only this subscription's.
        status: One of ``DELIVERY_STATUSES``; ``failed`` means retrying or exhausted.
        limit: Page size.
        offset: Rows to skip.
    """
    conditions = []
    if subscription_id is not None:
        conditions.append(WebhookDelivery.subscription_id == subscription_id)
    if status == "failed":
        conditions.append(WebhookDelivery.status.in_(("retrying", "exhausted")))
    elif status is not None:
        conditions.append(WebhookDelivery.status == status)
    total = session.scalar(select(func.count()).select_from(WebhookDelivery).where(*conditions))
    query = select(WebhookDelivery).where(*conditions).order_by(WebhookDelivery.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset))), total or 0


def attempts_of(session: Session, delivery_id: int) -> list[WebhookAttempt]:
    """Every attempt of a delivery, oldest first."""
    query = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
    return list(session.scalars(query.order_by(WebhookAttempt.number)))


def replay_delivery(session: Session, delivery_id: int, *, now: datetime) -> WebhookDelivery:
    """Send a delivery again now, with the same ``webhook-id`` and a fresh retry schedule.

    Raises:
        DeliveryNotFoundError: There is no such delivery.
    """
    delivery = get_delivery(session, delivery_id)
    _reopen(session, [delivery.id], now=now)
    session.refresh(delivery)
    return delivery


def replay_since(session: Session, subscription_id: str, since: datetime, *, now: datetime) -> int:
    """Send again every delivery of a subscription whose event occurred at or after ``since``.

    Returns:
        How many deliveries were reopened.
    """
    ids = session.scalars(
        select(WebhookDelivery.id)
        .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
        .where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookMessage.occurred_at >= since,
        )
    ).all()
    _reopen(session, list(ids), now=now)
    return len(ids)


def _reopen(session: Session, ids: list[int], *, now: datetime) -> None:
    if not ids:
        return
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=now,
            claim=None,
            lease_until=None,
            updated_at=now,
        )
    )
