"""Deliveries through real ``hub worker`` processes on real Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import select
from standardwebhooks import Webhook

from hub.queue import JobQueues
from hub.store.webhook_tables import WebhookAttempt, WebhookDelivery
from hub.testing.server import free_port, serve_app
from hub.webhooks.dispatcher import dispatch_due, ring_doorbell

from .helpers import emit, stage_changed, subscribe

pytestmark = pytest.mark.redis


@pytest.fixture
def queues(redis_url):
    connection = redis.Redis.from_url(redis_url)
    yield JobQueues(connection)
    connection.close()


def utcnow():
    return datetime.now(UTC)


def run_burst(hub_worker):
    proc = hub_worker(
        "--burst", "--queues", "webhooks", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = proc.communicate(timeout=60)
    print(err)  # shown when a test fails
    assert proc.returncode == 0, err
    return out


def wait_for(predicate, *, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, f"worker exited early ({proc.returncode})"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def statuses(sessions):
    with sessions() as session:
        return session.scalars(select(WebhookDelivery.status).order_by(WebhookDelivery.id)).all()


def emit_many(sessions, queues, count):
    for n in range(count):
        emit(
            sessions,
            stage_changed(utcnow(), to=f"stage {n}"),
            now=utcnow(),
            on_commit=lambda: ring_doorbell(queues),
        )


def test_receiver_down_then_up_gets_every_event_once(sessions, queues, hub_worker, receiver):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    _, secret = subscribe(sessions, url, now=utcnow())
    emit_many(sessions, queues, 5)
    run_burst(hub_worker)
    assert statuses(sessions) == ["retrying"] * 5
    with sessions() as session:
        errors = set(session.scalars(select(WebhookAttempt.error)))
    assert errors == {"ConnectError"}

    with serve_app(receiver.app(), port=port):
        # The retries are due in about 5 s; the sweeper's clock is moved, nobody sleeps.
        report = dispatch_due(sessions, queues, now=utcnow() + timedelta(minutes=1))
        assert report.claimed == 5
        run_burst(hub_worker)
    assert statuses(sessions) == ["succeeded"] * 5
    ids = receiver.ids()
    assert len(ids) == len(set(ids)) == 5
    for body, headers in receiver.requests:
        Webhook(secret).verify(body, headers)


def test_a_delivery_cut_off_by_a_killed_worker_is_retried_not_lost(
    sessions, queues, hub_worker, receiver
):
    receiver.stall_first = True
    _, secret = subscribe(sessions, receiver.url, now=utcnow())
    emit_many(sessions, queues, 1)
    worker = hub_worker("--queues", "webhooks", start_new_session=True)
    try:
        wait_for(lambda: len(receiver.requests) == 1, proc=worker)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the whole group, as a container runtime would
        worker.wait(timeout=10)
    receiver.released.set()
    assert statuses(sessions) == ["pending"]  # the dead worker recorded nothing

    run_burst(hub_worker)  # a new worker on this host hands the dead one's job back to rq
    assert statuses(sessions) == ["succeeded"]
    first, second = receiver.requests
    assert first[1]["webhook-id"] == second[1]["webhook-id"]
    Webhook(secret).verify(*second)
    with sessions() as session:
        assert session.scalars(select(WebhookAttempt.status_code)).all() == [200]


def test_deliveries_survive_redis_losing_their_jobs_and_a_down_doorbell(
    sessions, queues, hub_worker, receiver
):
    _, secret = subscribe(sessions, receiver.url, now=utcnow())
    no_retry = Retry(NoBackoff(), 0)
    unreachable = JobQueues(redis.Redis(host="127.0.0.1", port=1, retry=no_retry))
    emit(
        sessions,
        stage_changed(utcnow()),
        now=utcnow(),
        on_commit=lambda: ring_doorbell(unreachable),
    )  # Redis down when the event happens
    emit_many(sessions, queues, 2)
    assert dispatch_due(sessions, queues, now=utcnow()).claimed == 3
    queues.connection.flushdb()  # Redis restarted without persistence: every job is gone

    report = dispatch_due(sessions, queues, now=utcnow())
    assert (report.released, report.claimed) == (1, 3)
    run_burst(hub_worker)
    assert statuses(sessions) == ["succeeded"] * 3
    ids = receiver.ids()
    assert len(ids) == len(set(ids)) == 3
    for body, headers in receiver.requests:
        Webhook(secret).verify(body, headers)
