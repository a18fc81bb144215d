"""Outbound webhook delivery: throughput and commit-to-delivery latency through real workers.

Run: ``.venv/bin/python benchmarks/webhooks_delivery.py [--events 2000] [--rate 200]
[--postgres]`` (SQLite by default). Needs Redis on 127.0.0.1:6379 (db 10, emptied). The receiver
is a trivial ASGI app in its own uvicorn process on loopback; workers are ``hub worker``
processes. Prints figures; it is not a test.

1. Baseline: one keep-alive httpx client posting the same signed payloads in a loop.
2. The hub: N events committed at once (doorbell rung on commit), 1 and then 2 workers
   already running; rate = N / (last attempt end - commit).
3. Latency: events committed one per transaction at a steady rate, 2 workers; latency is
   attempt end (from the attempt log) minus commit time.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import redis
from rq import Worker
from sqlalchemy import func, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.queue import JobQueues  # noqa: E402
from hub.store import create_store_engine, session_factory, upgrade  # noqa: E402
from hub.store.webhook_tables import WebhookAttempt, WebhookDelivery  # noqa: E402
from hub.testing.server import free_port  # noqa: E402
from hub.webhooks.dispatcher import ring_doorbell  # noqa: E402
from hub.webhooks.events import WebhookEvent  # noqa: E402
from hub.webhooks.outbox import emit_event, new_event_id  # noqa: E402
from hub.webhooks.settings import WebhookSettings, use_settings  # noqa: E402
from hub.webhooks.signing import sign  # noqa: E402
from hub.webhooks.subscriptions import create_subscription  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/10"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432"
RECEIVER = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
"""


def event(now):
    return WebhookEvent.model_validate(
        {
            "id": new_event_id(now),
            "type": "application.stage_changed",
            "occurred_at": now,
            "person_version": 3,
            "data": {
                "application": {"id": "app_1", "greenhouse": {"id": "7001"}, "job": {"id": "42"}},
                "person": {"id": "per_1", "greenhouse": {"id": "9001"}},
                "from": {"name": "Application Review"},
                "to": {"name": "Phone Screen"},
            },
        }
    )


def start_receiver(workdir):
    (workdir / "receiver_app.py").write_text(RECEIVER)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "receiver_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}/hook"
    for _ in range(200):
        try:
            httpx.post(url, content=b"{}")
            return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("receiver did not start")


def baseline(url, count):
    body = event(datetime.now(UTC)).model_dump_json().encode()
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    with httpx.Client() as client:
        started = time.perf_counter()
        for n in range(count):
            headers = sign(f"msg_{n}", int(time.time()), body, [secret])
            headers["content-type"] = "application/json"
            client.post(url, content=body, headers=headers).raise_for_status()
        return count / (time.perf_counter() - started)


def start_workers(config, count, connection):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                "-c",
                str(config),
                "worker",
                "--queues",
                "webhooks",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    while len(Worker.all(connection=connection)) < count:
        time.sleep(0.1)
    return procs


def stop_workers(procs):
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=30)


def wait_delivered(sessions, count, *, since, timeout=300):
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        with sessions() as session:
            done = session.scalar(
                select(func.count()).where(
                    WebhookDelivery.status == "succeeded", WebhookDelivery.created_at >= since
                )
            )
        if done >= count:
            return
        time.sleep(0.1)
    raise RuntimeError(f"only {done} of {count} delivered")


def attempt_ends(sessions):
    with sessions() as session:
        rows = session.execute(
            select(
                WebhookDelivery.message_id, WebhookAttempt.started_at, WebhookAttempt.duration_ms
            )
            .join(WebhookAttempt, WebhookAttempt.delivery_id == WebhookDelivery.id)
            .where(WebhookAttempt.status_code == 204)
        ).all()
    return {m: s + timedelta(milliseconds=d) for m, s, d in rows}


def throughput(sessions, queues, count):
    now = datetime.now(UTC)
    with sessions.begin() as session:
        for _ in range(count - 1):
            emit_event(session, event(now), now=now)
        emit_event(session, event(now), now=now, on_commit=lambda: ring_doorbell(queues))
    committed = datetime.now(UTC)
    wait_delivered(sessions, count, since=now)
    last = max(attempt_ends(sessions).values())
    return count / (last - committed).total_seconds()


def latency(sessions, queues, rate, seconds):
    commits = {}
    since = datetime.now(UTC)
    interval = 1 / rate
    started = time.perf_counter()
    for n in range(int(rate * seconds)):
        target = started + n * interval
        time.sleep(max(0.0, target - time.perf_counter()))
        now = datetime.now(UTC)
        with sessions.begin() as session:
            e = event(now)
            emit_event(session, e, now=now, on_commit=lambda: ring_doorbell(queues))
        commits[e.id] = datetime.now(UTC)
    achieved = len(commits) / (time.perf_counter() - started)
    wait_delivered(sessions, len(commits), since=since)
    ends = attempt_ends(sessions)
    millis = sorted((ends[m] - c).total_seconds() * 1000 for m, c in commits.items())
    p99 = millis[min(len(millis) - 1, int(len(millis) * 0.99))]
    return achieved, statistics.median(millis), p99


def fresh_postgres(workers):
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN + "/test", isolation_level="AUTOCOMMIT")
    name = f"hub_bench_{workers}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_ADMIN}/{name}"


def fresh_store(url, receiver_url):
    engine = create_store_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        create_subscription(
            session, receiver_url, ["application.*"], now=datetime.now(UTC), require_https=False
        )
    return engine, sessions


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--postgres", action="store_true", help="Fresh PostgreSQL databases (test server)."
    )
    args = parser.parse_args()
    connection = redis.Redis.from_url(REDIS_URL)
    queues = JobQueues(connection)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        receiver, url = start_receiver(workdir)
        try:
            bare = baseline(url, args.events)
            print(f"bare httpx loop:          {bare:8.0f} deliveries/s")
            results = {}
            for workers in (1, 2):
                connection.flushdb()
                db = (
                    fresh_postgres(workers)
                    if args.postgres
                    else f"sqlite:///{workdir}/hub-{workers}.db"
                )
                engine, sessions = fresh_store(db, url)
                config = workdir / "config.yaml"
                config.write_text(f"database_url: {db}\nredis_url: {REDIS_URL}\n")
                procs = start_workers(config, workers, connection)
                try:
                    results[workers] = throughput(sessions, queues, args.events)
                    if workers == 2:
                        achieved, p50, p99 = latency(sessions, queues, args.rate, args.seconds)
                finally:
                    stop_workers(procs)
                    engine.dispose()
                print(
                    f"hub, {workers} worker(s):        {results[workers]:8.0f} deliveries/s"
                    f"  (ratio to bare loop {results[workers] / bare:.2f})"
                )
            print(
                f"latency commit->delivered at {achieved:.0f} events/s (2 workers): "
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
            )
        finally:
            receiver.terminate()
            receiver.wait()
            connection.flushdb()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        from hub.cli.app import app

        use_settings(WebhookSettings(allow_networks=("127.0.0.0/8",), require_https=False))
        sys.argv = [sys.argv[0], *sys.argv[2:]]
        app()
    else:
        main()
