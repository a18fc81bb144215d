from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from standardwebhooks import Webhook

from hub.store.webhook_tables import (
    WebhookDelivery,
    WebhookMessage,
    WebhookNotice,
    WebhookSubscription,
)
from hub.webhooks.dispatcher import claim_due
from hub.webhooks.events import WebhookEvent
from hub.webhooks.outbox import attempts_of, emit_event, replay_delivery
from hub.webhooks.schedule import RetryPolicy

from .helpers import emit, person_hired, run_due, stage_changed, subscribe


def count(sessions, table):
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(table))


def delivery(sessions, delivery_id):
    with sessions() as session:
        return session.get(WebhookDelivery, delivery_id)


def test_an_event_emitted_in_a_rolled_back_transaction_sends_nothing(
    any_sessions, receiver, client, clock, rng
):
    subscribe(any_sessions, receiver.url, now=clock())
    with any_sessions() as session, session.begin():
        assert emit_event(session, stage_changed(clock()), now=clock())
        session.rollback()
    assert count(any_sessions, WebhookMessage) == 0
    assert count(any_sessions, WebhookDelivery) == 0
    assert run_due(any_sessions, client, clock, rng) == 0
    assert receiver.requests == []


def test_a_committed_event_is_delivered_signed_with_the_subscription_secret(
    any_sessions, receiver, client, clock, rng
):
    _, secret = subscribe(any_sessions, receiver.url, now=clock())
    event = stage_changed(clock())
    (delivery_id,) = emit(any_sessions, event, now=clock())
    assert run_due(any_sessions, client, clock, rng) == 1
    ((body, headers),) = receiver.requests
    assert Webhook(secret).verify(body, headers)["data"]["to"] == {
        "id": None,
        "name": "Phone Screen",
    }
    assert WebhookEvent.model_validate_json(body) == event
    assert headers["webhook-id"] == event.id
    assert delivery(any_sessions, delivery_id).status == "succeeded"


def test_filters_with_wildcards_pick_the_subscriptions_an_event_goes_to(sessions, clock):
    url = "http://127.0.0.1:9/hook"
    apps, _ = subscribe(sessions, url, ["application.*"], now=clock())
    hired, _ = subscribe(sessions, url, ["*.hired"], now=clock())
    everything, _ = subscribe(sessions, url, ["*"], now=clock())
    exact, _ = subscribe(sessions, url, ["person.hired"], now=clock())
    with sessions.begin() as session:
        session.get(WebhookSubscription, everything).enabled = False
    emit(sessions, stage_changed(clock()), now=clock())
    emit(sessions, person_hired(clock()), now=clock())
    with sessions() as session:
        pairs = session.execute(
            select(WebhookMessage.event_type, WebhookDelivery.subscription_id).join(
                WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id
            )
        ).all()
    assert sorted(pairs) == sorted(
        [
            ("application.stage_changed", apps),
            ("person.hired", hired),
            ("person.hired", exact),
        ]
    )


def test_failed_attempts_follow_the_retry_schedule_on_the_injected_clock(
    sessions, receiver, client, clock, rng
):
    subscribe(sessions, receiver.url, now=clock())
    receiver.statuses.extend([500, 503])
    (delivery_id,) = emit(sessions, stage_changed(clock()), now=clock())
    start = clock()
    assert run_due(sessions, client, clock, rng) == 1
    first = delivery(sessions, delivery_id)
    assert first.status == "retrying"
    assert start + timedelta(seconds=4) <= first.next_attempt_at <= start + timedelta(seconds=6)
    clock.advance(timedelta(seconds=3))
    assert run_due(sessions, client, clock, rng) == 0  # not due yet: nothing is sent early
    clock.now = first.next_attempt_at
    assert run_due(sessions, client, clock, rng) == 1
    second = delivery(sessions, delivery_id)
    assert second.status == "retrying"
    wait = second.next_attempt_at - clock()
    assert timedelta(minutes=4) <= wait <= timedelta(minutes=6)
    clock.now = second.next_attempt_at
    assert run_due(sessions, client, clock, rng) == 1
    assert delivery(sessions, delivery_id).status == "succeeded"
    ids = receiver.ids()
    assert len(ids) == 3
    assert len(set(ids)) == 1  # one webhook-id on every attempt
    with sessions() as session:
        log = attempts_of(session, delivery_id)
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 503), (3, 200)]
    assert log[0].response_excerpt == "status 500"


def test_a_delivery_is_dead_lettered_after_its_last_attempt_with_a_notice(
    sessions, receiver, client, clock, rng
):
    policy = RetryPolicy(delays=(timedelta(0), timedelta(seconds=5), timedelta(seconds=5)))
    subscription_id, _ = subscribe(sessions, receiver.url, now=clock())
    receiver.statuses.extend([500, 500, 500])
    (delivery_id,) = emit(sessions, stage_changed(clock()), now=clock())
    for _ in range(3):
        run_due(sessions, client, clock, rng, policy=policy)
        clock.advance(timedelta(seconds=10))
    assert delivery(sessions, delivery_id).status == "exhausted"
    with sessions() as session:
        notices = session.scalars(select(WebhookNotice)).all()
        assert session.get(WebhookSubscription, subscription_id).enabled
    assert [(n.kind, n.delivery_id) for n in notices] == [("webhook.exhausted", delivery_id)]
    assert run_due(sessions, client, clock, rng, policy=policy) == 0


def test_410_disables_the_subscription_and_holds_its_deliveries(
    sessions, receiver, client, clock, rng
):
    subscription_id, _ = subscribe(sessions, receiver.url, now=clock())
    receiver.statuses.append(410)
    emit(sessions, stage_changed(clock()), now=clock())
    emit(sessions, stage_changed(clock()), now=clock())
    run_due(sessions, client, clock, rng)
    assert len(receiver.requests) == 1  # the batch stops at the 410
    with sessions() as session:
        subscription = session.get(WebhookSubscription, subscription_id)
        kinds = session.scalars(select(WebhookNotice.kind)).all()
    assert (subscription.enabled, subscription.disabled_reason) == (False, "gone")
    assert kinds == ["webhook.subscription_disabled"]
    clock.advance(timedelta(days=1))
    assert run_due(sessions, client, clock, rng) == 0


def test_a_subscription_failing_for_five_days_is_disabled(sessions, receiver, client, clock, rng):
    subscription_id, _ = subscribe(sessions, receiver.url, now=clock())
    receiver.statuses.extend([500] * 1000)
    for _ in range(12):
        emit(sessions, stage_changed(clock()), now=clock())  # new events keep failing too
        run_due(sessions, client, clock, rng)
        clock.advance(timedelta(hours=12))
    with sessions() as session:
        subscription = session.get(WebhookSubscription, subscription_id)
    assert (subscription.enabled, subscription.disabled_reason) == (False, "failing")
    assert clock() - subscription.failing_since >= timedelta(days=5)


def test_replay_resends_with_the_same_webhook_id_and_a_fresh_schedule(
    sessions, receiver, client, clock, rng
):
    subscribe(sessions, receiver.url, now=clock())
    (delivery_id,) = emit(sessions, stage_changed(clock()), now=clock())
    run_due(sessions, client, clock, rng)
    clock.advance(timedelta(hours=1))
    with sessions.begin() as session:
        replayed = replay_delivery(session, delivery_id, now=clock())
        assert (replayed.status, replayed.attempts) == ("pending", 0)
    run_due(sessions, client, clock, rng)
    (first, second) = receiver.requests
    assert first[1]["webhook-id"] == second[1]["webhook-id"]
    assert int(second[1]["webhook-timestamp"]) - int(first[1]["webhook-timestamp"]) == 3600
    with sessions() as session:
        assert [a.trigger for a in attempts_of(session, delivery_id)] == ["auto", "replay"]


def test_two_claims_never_hold_the_same_delivery(any_sessions, clock):
    subscribe(any_sessions, "http://127.0.0.1:9/hook", now=clock())
    for _ in range(5):
        emit(any_sessions, stage_changed(clock()), now=clock())
    with any_sessions.begin() as session:
        first = claim_due(session, now=clock(), lease=timedelta(minutes=5), batch_size=2)
    with any_sessions.begin() as session:
        second = claim_due(session, now=clock(), lease=timedelta(minutes=5))
    assert [c.count for c in first] == [2, 2, 1]
    assert second == []
    with any_sessions.begin() as session:
        after_lease = claim_due(session, now=clock() + timedelta(minutes=6), lease=timedelta(1))
    assert sum(c.count for c in after_lease) == 5
