"""The dispatcher: claims due deliveries in the database and hands them to the queue.

Due deliveries of one subscription are claimed together, up to ``batch_size`` under one claim
token, and enqueued as one ``deliver_batch(subscription_id, claim)`` job. A claim holds for the
lease; a claim whose job Redis no longer has, or whose lease ran out (a worker died), is claimed
again. So ``dispatch_due`` is also the sweeper: run it on a schedule (``hub webhooks
dispatch``) and after a Redis restart, and every due delivery finds its way to a worker.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.queue import JobQueues
from hub.store.webhook_tables import WebhookDelivery, WebhookSubscription
from hub.webhooks.outbox import OPEN_STATUSES

__all__ = ["Claim", "DispatchReport", "claim_due", "dispatch_due", "ring_doorbell"]

log = logging.getLogger(__name__)

_DOORBELL_SLOTS = 4  # more than the workers that may run a dispatch at once


@dataclass(frozen=True)
class Claim:
    """Deliveries of one subscription claimed together for one job."""

    subscription_id: str
    token: str
    count: int


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch did.

    Attributes:
        claimed: Deliveries handed to the queue.
        jobs: Jobs enqueued.
        released: Claims given up because their job was gone from the queue.
        next_due: When the next delivery falls due (a wake-up is scheduled then).
    """

    claimed: int
    jobs: int
    released: int
    next_due: datetime | None


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [
        WebhookDelivery.status.in_(OPEN_STATUSES),
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.claim.is_(None), WebhookDelivery.lease_until <= now),
    ]


def claim_due(
    session: Session,
    *,
    now: datetime,
    lease: timedelta,
    batch_size: int = 50,
    limit: int = 1000,
) -> list[Claim]:
    """Claim due deliveries of enabled subscriptions, oldest first, in per-subscription batches.

    Each claim's UPDATE repeats the due test, so two dispatchers never hold one delivery:
    PostgreSQL re-checks a row a concurrent claim changed, SQLite serialises writers.
    """
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.subscription_id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookSubscription.enabled, *_due(now))
        .order_by(WebhookDelivery.id)
        .limit(limit)
    ).all()
    by_subscription: dict[str, list[int]] = defaultdict(list)
    for delivery_id, subscription_id in rows:
        by_subscription[subscription_id].append(delivery_id)
    claims: list[Claim] = []
    for subscription_id, ids in by_subscription.items():
        for start in range(0, len(ids), batch_size):
            token = uuid.uuid4().hex
            result = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(ids[start : start + batch_size]), *_due(now))
                .values(claim=token, lease_until=now + lease)
            )
            count = int(result.rowcount)  # type: ignore[attr-defined]
            if count:
                claims.append(Claim(subscription_id, token, count))
    return claims


def _release_orphans(session: Session, queues: JobQueues, *, now: datetime) -> int:
    """Give up claims whose job the queue no longer knows (Redis flushed or restarted)."""
    from hub.webhooks.jobs import deliver_batch

    held = session.execute(
        select(WebhookDelivery.subscription_id, WebhookDelivery.claim)
        .where(WebhookDelivery.status.in_(OPEN_STATUSES), WebhookDelivery.lease_until > now)
        .distinct()
    ).all()
    lost = [
        token
        for subscription_id, token in held
        if token and queues.fetch(deliver_batch.ref(subscription_id, token).id) is None
    ]
    if lost:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.claim.in_(lost))
            .values(claim=None, lease_until=None)
        )
    return len(lost)


def _next_due(session: Session, *, now: datetime) -> datetime | None:
    """The earliest future moment a delivery becomes due or a lease runs out."""
    waiting = and_(WebhookDelivery.status.in_(OPEN_STATUSES), WebhookSubscription.enabled)
    base = select().select_from(WebhookDelivery).join(WebhookSubscription).where(waiting)
    retry = session.scalar(
        base.add_columns(func.min(WebhookDelivery.next_attempt_at)).where(
            WebhookDelivery.next_attempt_at > now
        )
    )
    lease = session.scalar(
        base.add_columns(func.min(WebhookDelivery.lease_until)).where(
            WebhookDelivery.lease_until > now
        )
    )
    times = [t for t in (retry, lease) if t is not None]
    return min(times) if times else None


def dispatch_due(
    sessions: sessionmaker[Session],
    queues: JobQueues,
    *,
    now: datetime,
    lease: timedelta = timedelta(minutes=5),
    batch_size: int = 50,
) -> DispatchReport:
    """Sweep and dispatch: release orphaned claims, claim what is due, enqueue, schedule a wake-up.

    Each claim is committed before its job is enqueued, so a job never looks for a claim
    that is not there yet; if the enqueue then fails, the next sweep releases the claim.
    """
    from hub.webhooks.jobs import deliver_batch

    claimed = jobs = 0
    with sessions.begin() as session:
        released = _release_orphans(session, queues, now=now)
    while True:
        with sessions.begin() as session:
            claims = claim_due(session, now=now, lease=lease, batch_size=batch_size)
        for claim in claims:
            queues.enqueue(deliver_batch.ref(claim.subscription_id, claim.token))
        claimed += sum(c.count for c in claims)
        jobs += len(claims)
        if not claims:
            break
    with sessions() as session:
        next_due = _next_due(session, now=now)
    if next_due is not None:
        _schedule_wake(queues, next_due)
    return DispatchReport(claimed=claimed, jobs=jobs, released=released, next_due=next_due)


def ring_doorbell(queues: JobQueues) -> None:
    """Ask a worker to dispatch soon; bursts of rings coalesce into one waiting job.

    A dispatch already running may have looked before the new deliveries committed, so a
    running slot does not count: the next slot is taken instead.
    """
    from hub.webhooks.jobs import dispatch_webhooks

    queued, started = JobStatus.QUEUED.value.encode(), JobStatus.STARTED.value.encode()
    for slot in range(_DOORBELL_SLOTS):
        ref = dispatch_webhooks.ref(f"ring{slot}")
        # One round trip answers the common case, a ring already waiting, without an enqueue.
        status = queues.connection.hget(Job.key_for(ref.id), "status")
        if status == queued:
            return
        if status != started and queues.enqueue(ref).get_status(refresh=False) != JobStatus.STARTED:
            return
    log.warning("every webhook doorbell slot is busy; the sweeper will dispatch")


def _schedule_wake(queues: JobQueues, when: datetime) -> None:
    from hub.webhooks.jobs import dispatch_webhooks

    # One wake-up per second of due time: rq's scheduler works in whole seconds anyway.
    second = int(when.timestamp()) + 1
    ref = dispatch_webhooks.ref(f"at{second}")
    spec = ref.job
    with contextlib.suppress(DuplicateJobError):
        queues.queue(spec.queue).enqueue_at(
            datetime.fromtimestamp(second, when.tzinfo),
            spec.path,
            *ref.args,
            job_id=ref.id,
            unique=True,
            job_timeout=spec.timeout,
            result_ttl=0,
        )
