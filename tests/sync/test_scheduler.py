from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from hub.config import HubConfig
from hub.models import ChangeEvent
from hub.queue import JobQueues
from hub.store import create_store_engine, session_factory, upgrade
from hub.store.inbox import store_events
from hub.sync.scheduler import schedule_tick

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def config_with_pairs(database_url: str, redis_url: str) -> HubConfig:
    pair = {"crm": "crm", "ats": "ats"}
    return HubConfig.model_validate(
        {
            "database_url": database_url,
            "redis_url": redis_url,
            "sync_pairs": {
                "main": {**pair, "schedule": {"every": "5m"}},
                "eu": {**pair, "schedule": {"every": "1h"}},
                "manual": pair,
            },
        }
    )


def test_each_scheduled_pair_is_enqueued_once_per_period_across_schedulers(sqlite_url, redis_url):
    config = config_with_pairs(sqlite_url, redis_url)
    engine = create_store_engine(sqlite_url)
    upgrade(engine)
    sessions = session_factory(engine)
    connection = redis.Redis.from_url(redis_url)
    try:
        queues = JobQueues(connection)
        first = schedule_tick(config, queues, sessions, now=NOW)
        # a second scheduler (another worker, another machine) ticking at once adds nothing
        second = schedule_tick(
            config, JobQueues(redis.Redis.from_url(redis_url)), sessions, now=NOW
        )
        assert sorted(j for j in first if j.startswith("sync_pair")) == [
            "sync_pair-eu",
            "sync_pair-main",
        ]
        assert "dispatch_webhooks-tick" in first  # outbound webhooks are dispatched every tick
        assert [j for j in second if j.startswith("sync_pair")] == []
        assert len(queues.queue("sync").job_ids) == 2
        # the period elapses (the claim expires): the pair is due again
        connection.delete("hub:schedule:sync_pair:main")
        again = schedule_tick(config, queues, sessions, now=NOW)
        assert [j for j in again if j.startswith("sync_pair")] == ["sync_pair-main"]
    finally:
        connection.close()
        engine.dispose()


def test_webhook_events_left_waiting_are_swept_into_a_job(sqlite_url, redis_url):
    config = config_with_pairs(sqlite_url, redis_url)
    engine = create_store_engine(sqlite_url)
    upgrade(engine)
    sessions = session_factory(engine)
    connection = redis.Redis.from_url(redis_url)
    try:
        event = ChangeEvent(
            object_type="contact", external_id="1", kind="updated", occurred_at=NOW, dedupe_key="k"
        )
        with sessions.begin() as session:
            store_events(session, connection="crm", events=[event], now=NOW)
        queues = JobQueues(connection)
        fresh = schedule_tick(config, queues, sessions, now=NOW + timedelta(seconds=30))
        assert not [j for j in fresh if j.startswith("process_inbox")]  # its own job may still come
        later = schedule_tick(config, queues, sessions, now=NOW + timedelta(minutes=5))
        assert [j for j in later if j.startswith("process_inbox")] == ["process_inbox-crm"]
    finally:
        connection.close()
        engine.dispose()
