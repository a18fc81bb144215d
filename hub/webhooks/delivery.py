"""Sending one claimed batch: sign, POST, record the attempt, apply the retry schedule.

Outcomes are committed every few deliveries, so a worker that dies mid-batch loses at most
those few records, and those deliveries are sent again (at-least-once: receivers dedupe on
``webhook-id``, which is the same on every attempt). The clock, the jitter and the HTTP client
are injected, so tests drive the schedule without sleeping.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.store.webhook_tables import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
    WebhookNotice,
    WebhookSubscription,
)
from hub.webhooks.schedule import (
    DEFAULT_POLICY,
    AttemptOutcome,
    DeadLetter,
    Delivered,
    DisableEndpoint,
    RetryAt,
    RetryPolicy,
    decide,
)
from hub.webhooks.signing import sign
from hub.webhooks.ssrf import BlockedDestinationError
from hub.webhooks.subscriptions import active_secrets

__all__ = [
    "AttemptResult",
    "BatchReport",
    "post_delivery",
    "record_attempts",
    "send_batch",
]

log = logging.getLogger(__name__)

_EXCERPT_CHARS = 500
# Outcomes are committed in groups: one commit per delivery cost more than the POST itself
# (an fsync on SQLite). A worker dying mid-group loses at most this many records, and those
# deliveries are sent again (at-least-once).
_RECORD_EVERY = 10


@dataclass(frozen=True)
class AttemptResult:
    """What one POST produced, as stored in the attempt log."""

    outcome: AttemptOutcome
    duration_ms: int
    excerpt: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class BatchReport:
    """What one batch did: deliveries sent, and claims handed back unsent (time budget)."""

    sent: int
    handed_back: int


def post_delivery(
    client: httpx.Client,
    url: str,
    *,
    msg_id: str,
    body: bytes,
    secrets: list[str],
    timestamp: int,
) -> AttemptResult:
    """POST one signed delivery; never raises for what the receiver or network did.

    The error text names the failure's type only: exception messages may quote the URL, and
    URLs may carry tokens.
    """
    headers = sign(msg_id, timestamp, body, secrets)
    headers["content-type"] = "application/json"
    started = time.perf_counter()
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        return AttemptResult(AttemptOutcome(timed_out=True), _ms(started), error=type(exc).__name__)
    except BlockedDestinationError as exc:
        return AttemptResult(AttemptOutcome(), _ms(started), error=f"blocked: {exc}")
    except httpx.HTTPError as exc:
        return AttemptResult(AttemptOutcome(), _ms(started), error=type(exc).__name__)
    outcome = AttemptOutcome(
        status=response.status_code, retry_after=response.headers.get("retry-after")
    )
    return AttemptResult(outcome, _ms(started), excerpt=response.text[:_EXCERPT_CHARS] or None)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def send_batch(
    sessions: sessionmaker[Session],
    client: httpx.Client,
    subscription_id: str,
    claim: str,
    *,
    now: Callable[[], datetime],
    rng: random.Random,
    policy: RetryPolicy = DEFAULT_POLICY,
    budget: timedelta = timedelta(seconds=60),
) -> BatchReport:
    """Send the deliveries holding ``claim``, oldest first, recording each outcome.

    Stops early, handing the rest back to the dispatcher, when the subscription is disabled
    (by a 410 or a run of failures) or the batch has run for ``budget``.
    """
    deadline = time.monotonic() + budget.total_seconds()
    with sessions() as session:
        subscription = session.get(WebhookSubscription, subscription_id)
        rows = session.execute(
            select(WebhookDelivery.id, WebhookMessage.id, WebhookMessage.body)
            .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
            .where(WebhookDelivery.claim == claim)
            .order_by(WebhookDelivery.id)
        ).all()
        url = subscription.url if subscription is not None and subscription.enabled else None
        secrets = active_secrets(session, subscription_id, now=now())
    sent, queue = 0, list(rows)
    while queue and url is not None and secrets and time.monotonic() <= deadline:
        group, queue = queue[:_RECORD_EVERY], queue[_RECORD_EVERY:]
        results: list[tuple[int, datetime, AttemptResult]] = []
        for delivery_id, msg_id, body in group:
            attempted_at = now()
            result = post_delivery(
                client,
                url,
                msg_id=msg_id,
                body=body.encode(),
                secrets=secrets,
                timestamp=int(attempted_at.timestamp()),
            )
            results.append((delivery_id, attempted_at, result))
            if result.outcome.status == 410:
                break  # the receiver is gone: send nothing more before recording it
        with sessions.begin() as session:
            enabled = record_attempts(
                session, subscription_id, claim, results, now=now(), rng=rng, policy=policy
            )
        sent += len(results)
        if not enabled:
            url = None
    handed_back = _hand_back(sessions, claim) if sent < len(rows) else 0
    return BatchReport(sent=sent, handed_back=handed_back)


def _hand_back(sessions: sessionmaker[Session], claim: str) -> int:
    with sessions.begin() as session:
        result = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.claim == claim)
            .values(claim=None, lease_until=None)
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


def record_attempts(
    session: Session,
    subscription_id: str,
    claim: str,
    results: Sequence[tuple[int, datetime, AttemptResult]],
    *,
    now: datetime,
    rng: random.Random,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> bool:
    """Log attempts of one subscription's deliveries and move each on by the retry schedule.

    Args:
        session: A session inside the transaction that records them.
        subscription_id: The deliveries' subscription.
        claim: The claim the attempts were made under.
        results: ``(delivery id, attempted at, result)`` in the order they were sent.
        now: The current time.
        rng: Jitter source.
        policy: The retry policy.

    Returns:
        Whether the subscription is still enabled afterwards.
    """
    ids = [delivery_id for delivery_id, _, _ in results]
    subscription = session.get(WebhookSubscription, subscription_id, with_for_update=True)
    if subscription is None:
        return False  # removed meanwhile, with its deliveries
    deliveries = {
        d.id: d
        for d in session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).with_for_update()
        )
    }
    counted = session.execute(
        select(WebhookAttempt.delivery_id, func.count())
        .where(WebhookAttempt.delivery_id.in_(ids))
        .group_by(WebhookAttempt.delivery_id)
    )
    earlier = dict(counted.all())
    for delivery_id, attempted_at, result in results:
        delivery = deliveries[delivery_id]
        number = earlier.get(delivery_id, 0) + 1
        session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                number=number,
                started_at=attempted_at,
                duration_ms=result.duration_ms,
                status_code=result.outcome.status,
                response_excerpt=result.excerpt,
                error=result.error,
                trigger="replay" if delivery.attempts == 0 and number > 1 else "auto",
            )
        )
        if delivery.claim != claim:
            # Reclaimed meanwhile (our lease ran out): the newer claim decides what comes next.
            log.warning("webhook delivery %s was reclaimed while being sent", delivery_id)
            continue
        _advance(session, delivery, subscription, result, now=now, rng=rng, policy=policy)
    return subscription.enabled


def _advance(
    session: Session,
    delivery: WebhookDelivery,
    subscription: WebhookSubscription,
    result: AttemptResult,
    *,
    now: datetime,
    rng: random.Random,
    policy: RetryPolicy,
) -> None:
    delivery.attempts += 1
    delivery.last_status = result.outcome.status
    delivery.last_error = result.error
    delivery.claim = delivery.lease_until = None
    delivery.updated_at = now
    decision = decide(
        result.outcome,
        delivery.attempts,
        now=now,
        failing_since=subscription.failing_since,
        rng=rng,
        policy=policy,
    )
    _apply(session, decision, delivery, subscription, now=now)


def _apply(
    session: Session,
    decision: Delivered | RetryAt | DeadLetter | DisableEndpoint,
    delivery: WebhookDelivery,
    subscription: WebhookSubscription,
    *,
    now: datetime,
) -> None:
    if isinstance(decision, Delivered):
        delivery.status, delivery.next_attempt_at = "succeeded", None
        subscription.failing_since = None
        return
    subscription.failing_since = decision.failing_since
    if isinstance(decision, RetryAt):
        delivery.status, delivery.next_attempt_at = "retrying", decision.due
    elif isinstance(decision, DeadLetter):
        delivery.status, delivery.next_attempt_at = "exhausted", None
        _notice(session, "webhook.exhausted", delivery, f"after {delivery.attempts} attempts", now)
        log.warning("webhook delivery %s exhausted its attempts", delivery.id)
    else:
        # Due again at once, so re-enabling the subscription resumes it where it stopped.
        delivery.status, delivery.next_attempt_at = "retrying", now
        if not subscription.enabled:
            return  # disabled by an earlier outcome of the same group: one notice is enough
        subscription.enabled, subscription.disabled_reason = False, decision.reason
        subscription.updated_at = now
        detail = (
            "the receiver answered 410 Gone"
            if decision.reason == "gone"
            else (f"failing since {decision.failing_since.isoformat()}")
        )
        _notice(session, "webhook.subscription_disabled", delivery, detail, now)
        log.warning("webhook subscription %s disabled: %s", subscription.id, decision.reason)


def _notice(
    session: Session, kind: str, delivery: WebhookDelivery, detail: str, now: datetime
) -> None:
    session.add(
        WebhookNotice(
            kind=kind,
            subscription_id=delivery.subscription_id,
            delivery_id=delivery.id,
            detail=detail,
            created_at=now,
        )
    )
