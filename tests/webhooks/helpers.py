from __future__ import annotations

from datetime import timedelta

from hub.webhooks.delivery import send_batch
from hub.webhooks.dispatcher import claim_due
from hub.webhooks.events import WebhookEvent
from hub.webhooks.outbox import emit_event, new_event_id
from hub.webhooks.schedule import DEFAULT_POLICY
from hub.webhooks.subscriptions import create_subscription

PERSON = {"id": "per_1", "greenhouse": {"id": "9001"}}
APPLICATION = {"id": "app_1", "greenhouse": {"id": "7001"}, "job": {"id": "42"}}


def stage_changed(now, *, event_id=None, to="Phone Screen"):
    return WebhookEvent.model_validate(
        {
            "id": event_id or new_event_id(now),
            "type": "application.stage_changed",
            "occurred_at": now,
            "person_version": 3,
            "data": {
                "application": APPLICATION,
                "person": PERSON,
                "from": {"name": "Application Review"},
                "to": {"name": to},
            },
        }
    )


def person_hired(now):
    return WebhookEvent.model_validate(
        {
            "id": new_event_id(now),
            "type": "person.hired",
            "occurred_at": now,
            "data": {"person": PERSON, "application": APPLICATION},
        }
    )


def subscribe(sessions, url, filters=("application.*",), *, now):
    with sessions.begin() as session:
        created = create_subscription(session, url, list(filters), now=now, require_https=False)
    return created.subscription.id, created.secret


def emit(sessions, event, *, now, on_commit=None):
    with sessions.begin() as session:
        return emit_event(session, event, now=now, on_commit=on_commit)


def run_due(sessions, client, clock, rng, *, policy=DEFAULT_POLICY, lease=timedelta(minutes=5)):
    """What the dispatcher and the delivery jobs do, in this thread, on the injected clock."""
    with sessions.begin() as session:
        claims = claim_due(session, now=clock(), lease=lease)
    for claim in claims:
        send_batch(
            sessions, client, claim.subscription_id, claim.token, now=clock, rng=rng, policy=policy
        )
    return sum(c.count for c in claims)
