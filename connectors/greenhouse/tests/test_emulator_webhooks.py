from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from connectors.greenhouse.emulator.outbox import RETRY_MINUTES, encode_webhook
from connectors.greenhouse.webhooks import parse_greenhouse_webhook
from hub import WebhookRequest
from hub.testing.server import serve_app

SECRET = "greenhouse_test_secret"


class Receiver:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[WebhookRequest] = []
        self.lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                if self.failures > 0:
                    self.failures -= 1
                    return Response(status_code=500)
                headers = {k.lower(): v for k, v in request.headers.items()}
                self.received.append(
                    WebhookRequest("POST", str(request.url), headers, body, datetime.now(UTC))
                )
            return Response(status_code=200)

    def wait_for(self, count: int) -> list[WebhookRequest]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        raise AssertionError(f"only {len(self.received)} of {count} webhooks arrived")


@pytest.fixture
def receiver() -> Iterator[Callable[..., tuple[Receiver, str]]]:
    with ExitStack() as stack:

        def make(failures: int = 0) -> tuple[Receiver, str]:
            rec = Receiver(failures)
            return rec, stack.enter_context(serve_app(rec.app)) + "/hook"

        yield make


def events_of(requests: list[WebhookRequest]) -> list[tuple[str, str, str]]:
    out = []
    for request in requests:
        for event in parse_greenhouse_webhook(request, secret=SECRET):
            out.append((event.action, event.object_type, event.kind))
    return out


def test_recruiter_actions_send_signed_parseable_webhooks(
    serve_emulator: Any, receiver: Any
) -> None:
    rec, url = receiver()
    served = serve_emulator(people=10, webhook_urls=[url])
    state = served.emulator.state
    apps = list(state.tables["applications"].values())
    active = next(a for a in apps if a["status"] == "active" and not a["prospect"])
    rejected = next(a for a in apps if a["status"] == "rejected")
    hired = next(a for a in apps if a["status"] == "hired")
    cids = list(state.tables["candidates"])
    job_id = next(iter(state.tables["jobs"]))

    served.admin("POST", f"/applications/{active['id']}/move", json={})
    served.admin("POST", f"/applications/{active['id']}/reject", json={})
    served.admin("POST", f"/applications/{rejected['id']}/unreject")
    served.admin("POST", f"/applications/{rejected['id']}/hire")
    served.admin("POST", f"/applications/{hired['id']}/unhire")
    served.admin("POST", f"/candidates/{cids[0]}/applications", json={"job_id": job_id})
    served.admin("PATCH", f"/candidates/{cids[1]}", json={"tags": ["Alumni"]})
    served.admin(
        "POST",
        "/candidates/merge",
        json={"primary_candidate_id": cids[2], "duplicate_candidate_id": cids[3]},
    )
    served.admin("POST", f"/candidates/{cids[4]}/anonymize", json={"fields": ["full_name"]})
    served.admin("DELETE", f"/candidates/{cids[5]}")
    served.admin("DELETE", f"/applications/{active['id']}")

    requests = rec.wait_for(11)
    first_events = [parse_greenhouse_webhook(r, secret=SECRET)[0] for r in requests]
    assert [e.action for e in first_events] == [
        "candidate_stage_change",
        "reject_candidate",
        "unreject_candidate",
        "hire_candidate",
        "unhire_candidate",
        "new_candidate_application",
        "update_candidate",
        "merge_candidate",
        "candidate_anonymized",
        "delete_candidate",
        "delete_application",
    ]
    assert first_events[7].external_id == str(cids[2])
    assert first_events[7].related_ids == {"merged_away_id": str(cids[3])}
    assert len({r.headers["greenhouse-event-id"] for r in requests}) == 11


def test_api_writes_send_webhooks_too(serve_emulator: Any, connect: Any, receiver: Any) -> None:
    from hub import WriteOp

    rec, url = receiver()
    served = serve_emulator(people=5, webhook_urls=[url])
    connector = connect(served)

    connector.write([WriteOp("prospect", "create", {"first_name": "A", "last_name": "B"}, "k")])

    assert events_of(rec.wait_for(1))[0] == ("new_prospect_application", "application", "created")


def test_failed_delivery_is_retried_with_the_same_event_id(
    serve_emulator: Any, receiver: Any
) -> None:
    rec, url = receiver(failures=2)
    served = serve_emulator(people=5, webhook_urls=[url], webhook_retry_scale=0.0001)
    cid = next(iter(served.emulator.state.tables["candidates"]))

    served.admin("PATCH", f"/candidates/{cid}", json={"title": "Lead"})

    (delivered,) = rec.wait_for(1)
    log = served.admin("GET", "/webhooks").json()
    assert log[0]["statuses"] == [500, 500, 200]
    assert delivered.headers["greenhouse-event-id"] == log[0]["event_id"]
    assert len(RETRY_MINUTES) + 1 == 7


def test_webhook_bodies_escape_html_like_greenhouse() -> None:
    body = encode_webhook("job_post_updated", {"content": "<p>hello</p>"})

    escaped = b'"\\u003cp\\u003ehello\\u003c/p\\u003e"'
    assert body == b'{"action":"job_post_updated","payload":{"content":' + escaped + b"}}"


def test_outbox_stops_cleanly_with_retries_pending() -> None:
    from connectors.greenhouse.emulator.outbox import WebhookOutbox
    from hub.testing.server import free_port

    outbox = WebhookOutbox(urls=[f"http://127.0.0.1:{free_port()}/nowhere"], secret=SECRET)
    outbox.publish("update_candidate", {"candidate": {"id": 1}})
    deadline = time.monotonic() + 10
    while outbox.snapshot()[0]["attempts"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

    outbox.stop()

    assert outbox.snapshot()[0]["state"] == "pending"  # waiting a real minute for its retry
    assert outbox._thread is not None
    assert not outbox._thread.is_alive()
