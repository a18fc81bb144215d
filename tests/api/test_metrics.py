"""``/metrics``: the service's registry plus the process's (sync runs, vendor calls)."""

from __future__ import annotations

import time
from contextlib import ExitStack

import httpx
import pytest
import typer
from prometheus_client import CollectorRegistry, generate_latest

from hub.api import create_app
from hub.cli.worker import serve_metrics
from hub.config import HubConfig
from hub.connector import EmulatorOptions
from hub.demo.world import sandbox_config
from hub.metrics import REGISTRY, record_sync_run, register_gauge
from hub.plugins import HubPlugins
from hub.store import create_store_engine, session_factory, upgrade
from hub.sync.build import build_pair
from hub.testing.server import free_port, serve_app
from tests.api.helpers import AUTH, NOW, TOKEN
from tests.fakeconnector import sign


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_request_times_and_inbound_results_are_exposed(make_client):
    client = make_client()
    client.get("/healthz")
    body = b'[{"id": 1, "key": "k1"}]'
    client.post("/webhooks/crm", content=body, headers={"x-fake-signature": sign(body)})
    text = client.get("/metrics").text
    assert 'hub_http_request_seconds_count{method="GET",route="/healthz",status="2xx"} 1.0' in text
    assert (
        'hub_http_request_seconds_count{method="POST",route="/webhooks/{connection}",status="2xx"}'
        in text
    )
    assert 'hub_inbound_events_total{connection="crm",outcome="new"} 1.0' in text
    # store gauges, read at scrape time
    assert "# TYPE hub_inbox_events gauge" in text
    assert "# TYPE hub_webhook_deliveries gauge" in text
    assert "hub_review_queue_size 0.0" in text
    assert "# TYPE hub_rule_actions gauge" in text
    assert "# TYPE hub_rule_decisions gauge" in text
    assert 'hub_queue_jobs{queue="default",state="failed"} 0.0' in text


@pytest.mark.redis
def test_inbox_gauge_counts_pending_events(make_client, redis_url):
    client = make_client(redis_url=redis_url)  # no worker: the events stay pending
    body = b'[{"id": 1, "key": "k1"}, {"id": 2, "key": "k2"}]'
    client.post("/webhooks/crm", content=body, headers={"x-fake-signature": sign(body)})
    assert 'hub_inbox_events{status="pending"} 2.0' in client.get("/metrics").text
    # processing is enqueued just after the answer, off the request's path
    queued = 'hub_queue_jobs{queue="sync",state="queued"} 1.0'  # process_inbox
    deadline = time.monotonic() + 10
    while queued not in client.get("/metrics").text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert queued in client.get("/metrics").text


def test_register_gauge_reads_its_value_when_scraped_and_skips_a_failing_one():
    registry = CollectorRegistry()
    sizes = {"open": 3}
    register_gauge("hub_test_size", "Test.", lambda: sizes["open"], registry=registry)
    register_gauge(
        "hub_test_by_kind",
        "Test by kind.",
        lambda: {("a",): 1, ("b",): 2},
        labels=("kind",),
        registry=registry,
    )
    register_gauge("hub_test_broken", "Broken.", lambda: 1 / 0, registry=registry)
    sizes["open"] = 5
    text = generate_latest(registry).decode()
    assert "hub_test_size 5.0" in text
    assert 'hub_test_by_kind{kind="b"} 2.0' in text
    assert "hub_test_broken " not in text
    with pytest.raises(ValueError, match="Duplicated"):
        register_gauge("hub_test_size", "Again.", lambda: 1, registry=registry)


def test_record_sync_run_splits_counts_into_labels():
    before = sample(
        "hub_sync_records_total",
        pair="p-test",
        connection="crm.eu",
        object_type="contact",
        outcome="read",
    )
    record_sync_run("p-test", outcome="succeeded", seconds=1.5, counts={"crm.eu.contact.read": 4})
    assert (
        sample(
            "hub_sync_records_total",
            pair="p-test",
            connection="crm.eu",
            object_type="contact",
            outcome="read",
        )
        == before + 4
    )
    assert sample("hub_sync_runs_total", pair="p-test", outcome="succeeded") >= 1


def test_a_triggered_sync_shows_in_run_and_vendor_metrics(sqlite_url):
    """End to end: both emulators, the service in embedded mode, a sync triggered over HTTP."""
    plugins = HubPlugins.load(environ={})
    with ExitStack() as stack:
        gh_app = plugins.connector("greenhouse").emulator(
            EmulatorOptions(seed=3, people=6, rate_limit=0)
        )
        hs_app = plugins.connector("hubspot").emulator(
            EmulatorOptions(
                seed=4, people=5, rate_limit=0, extra={"access_token": "tok", "search_rate": 0}
            )
        )
        gh_url = stack.enter_context(serve_app(gh_app))
        hs_url = stack.enter_context(serve_app(hs_app))
        data = sandbox_config(
            database_url=sqlite_url,
            greenhouse_url=gh_url,
            hubspot_url=hs_url,
            greenhouse_user=str(next(iter(gh_app.state.emulator.state.tables["users"]))),
            hubspot_token="tok",
            admin_token=TOKEN,
            applications=False,
        )
        data["connections"]["greenhouse"]["settings"]["rate_limit"] = 1000  # paced: budget gauge
        config = HubConfig.model_validate(data)
        engine = create_store_engine(sqlite_url)
        upgrade(engine)
        _, opened = build_pair(
            config, "main", plugins=plugins, sessions=session_factory(engine), now=lambda: NOW
        )
        for connector in opened:
            connector.setup()
            connector.close()
        engine.dispose()
        runs_before = sample("hub_sync_runs_total", pair="main", outcome="succeeded")
        calls_before = sample(
            "hub_vendor_requests_total",
            connector="greenhouse",
            connection="greenhouse",
            endpoint="GET /v3/candidates",
            status="200",
        )
        base = stack.enter_context(serve_app(create_app(config, plugins=plugins)))
        client = stack.enter_context(httpx.Client(base_url=base, headers=AUTH))
        job_id = client.post("/api/v1/pairs/main/sync").json()["job_id"]
        status = ""
        deadline = time.monotonic() + 60
        while status not in ("finished", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
            status = client.get(f"/api/v1/jobs/{job_id}").json()["status"]
        assert status == "finished"
        text = client.get("/metrics").text
    assert sample("hub_sync_runs_total", pair="main", outcome="succeeded") == runs_before + 1
    assert 'hub_sync_records_total{connection="greenhouse",object_type="candidate"' in text
    candidates = sample(
        "hub_vendor_requests_total",
        connector="greenhouse",
        connection="greenhouse",
        endpoint="GET /v3/candidates",
        status="200",
    )
    assert candidates > calls_before
    used = sample(
        "hub_vendor_rate_budget_used_ratio", connector="greenhouse", connection="greenhouse"
    )
    assert 0 < used <= 1
    assert "hub_vendor_request_seconds_bucket" in text


def test_a_worker_serves_the_process_metrics_on_request():
    record_sync_run("p-worker", outcome="failed", seconds=0.1)
    port = free_port()
    server = serve_metrics(f"127.0.0.1:{port}")
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        server.shutdown()
        server.server_close()
    assert 'hub_sync_runs_total{outcome="failed",pair="p-worker"}' in text
    assert "hub_inbound_webhooks" not in text  # the service's own registry stays its own
    with pytest.raises(typer.BadParameter):
        serve_metrics("9100")
