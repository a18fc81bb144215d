from __future__ import annotations

from datetime import timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from hub.webhooks.subscriptions import (
    SubscriptionError,
    active_secrets,
    check_event_filters,
    check_url,
    rotate_secret,
)

from .helpers import emit, run_due, stage_changed, subscribe


def test_during_rotation_old_only_and_new_only_verifiers_both_accept(
    sessions, receiver, client, clock, rng
):
    subscription_id, old = subscribe(sessions, receiver.url, now=clock())
    with sessions.begin() as session:
        new = rotate_secret(session, subscription_id, now=clock(), grace=timedelta(hours=24))
    emit(sessions, stage_changed(clock()), now=clock())
    run_due(sessions, client, clock, rng)
    ((body, headers),) = receiver.requests
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


def test_after_the_grace_period_only_the_new_secret_signs(sessions, clock):
    subscription_id, old = subscribe(sessions, "http://127.0.0.1:9/hook", now=clock())
    with sessions.begin() as session:
        new = rotate_secret(session, subscription_id, now=clock(), grace=timedelta(hours=24))
        assert active_secrets(session, subscription_id, now=clock()) == [new, old]
        later = clock() + timedelta(hours=24, seconds=1)
        assert active_secrets(session, subscription_id, now=later) == [new]


def test_a_secret_rotated_with_no_grace_stops_signing_at_once(
    sessions, receiver, client, clock, rng
):
    subscription_id, old = subscribe(sessions, receiver.url, now=clock())
    with sessions.begin() as session:
        new = rotate_secret(session, subscription_id, now=clock(), grace=timedelta(0))
    emit(sessions, stage_changed(clock()), now=clock())
    run_due(sessions, client, clock, rng)
    ((body, headers),) = receiver.requests
    Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "https://user:pw@example.com/x",
        "/relative",
        "http://example.com/x",
        "https://[::1",
        "https://example.com:99999/x",
    ],
)
def test_unusable_urls_are_refused(url):
    with pytest.raises(SubscriptionError):
        check_url(url, require_https=True)


def test_filters_must_select_a_known_event_type():
    assert check_event_filters(["application.*", "*.hired", "application.*"]) == [
        "application.*",
        "*.hired",
    ]
    with pytest.raises(SubscriptionError, match=r"candidate\.moved"):
        check_event_filters(["candidate.moved"])
    with pytest.raises(SubscriptionError):
        check_event_filters([])
