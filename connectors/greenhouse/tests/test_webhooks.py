from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.greenhouse.webhooks import (
    parse_greenhouse_webhook,
    sign_greenhouse_body,
    verify_greenhouse_signature,
)
from hub import WebhookRequest
from hub.errors import WebhookPayloadError, WebhookSignatureError

SECRET = "greenhouse_test_secret"
FIXTURES = Path(__file__).parent / "fixtures"
RECEIVED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PERSON_ACTIONS = {
    "new_candidate_application": ("application", "created"),
    "new_prospect_application": ("application", "created"),
    "candidate_stage_change": ("application", "stage_changed"),
    "application_updated": ("application", "updated"),
    "reject_candidate": ("application", "rejected"),
    "unreject_candidate": ("application", "unrejected"),
    "hire_candidate": ("application", "hired"),
    "unhire_candidate": ("application", "unhired"),
    "update_candidate": ("candidate", "updated"),
    "delete_candidate": ("candidate", "deleted"),
    "merge_candidate": ("candidate", "merged"),
    "candidate_anonymized": ("candidate", "erased"),
    "delete_application": ("application", "deleted"),
}
JOB_ACTIONS = {
    "job_created": ("job", "created"),
    "job_updated": ("job", "updated"),
    "job_approved": ("job", "updated"),
    "job_deleted": ("job", "deleted"),
    "job_post_created": ("job", "updated"),
    "job_post_updated": ("job", "updated"),
    "job_post_deleted": ("job", "updated"),
    "job_interview_stage_deleted": ("job_interview_stage", "deleted"),
    "offer_created": ("offer", "created"),
    "offer_approved": ("offer", "updated"),
    "offer_updated": ("offer", "updated"),
    "offer_deleted": ("offer", "deleted"),
}


def fixture_body(action: str) -> bytes:
    for name in (f"webhook_{action}.json", f"synthetic_webhook_{action}.json"):
        if (FIXTURES / name).exists():
            return (FIXTURES / name).read_bytes()
    raise FileNotFoundError(action)


def signed(body: bytes, *, secret: str = SECRET, event_id: str | None = "evt-1") -> WebhookRequest:
    headers = {"signature": sign_greenhouse_body(body, secret), "content-type": "application/json"}
    if event_id is not None:
        headers["greenhouse-event-id"] = event_id
    return WebhookRequest("POST", "https://hub.test/hooks/greenhouse", headers, body, RECEIVED)


@pytest.mark.parametrize("action", sorted({**PERSON_ACTIONS, **JOB_ACTIONS}))
def test_every_fixture_action_parses_into_its_event(action: str) -> None:
    events = parse_greenhouse_webhook(signed(fixture_body(action)), secret=SECRET)

    object_type, kind = {**PERSON_ACTIONS, **JOB_ACTIONS}[action]
    assert (events[0].object_type, events[0].kind, events[0].action) == (object_type, kind, action)
    assert events[0].external_id.isdigit()
    assert events[0].occurred_at == RECEIVED
    assert all(e.dedupe_key.startswith("evt-1:") for e in events)


def test_new_application_also_asks_for_the_candidate_to_be_read() -> None:
    events = parse_greenhouse_webhook(
        signed(fixture_body("new_candidate_application")), secret=SECRET
    )

    assert [(e.object_type, e.external_id) for e in events] == [
        ("application", "71980812"),
        ("candidate", "60304594"),
    ]
    assert events[0].related_ids == {"candidate_id": "60304594", "job_id": "274075"}


def test_merge_names_the_survivor_and_the_merged_away_id() -> None:
    payload = json.loads(fixture_body("merge_candidate"))["payload"]["person"]
    (event,) = parse_greenhouse_webhook(signed(fixture_body("merge_candidate")), secret=SECRET)

    assert event.external_id == str(payload["new_candidate_id"])
    assert event.related_ids == {"merged_away_id": str(payload["id"])}


def test_delete_candidate_also_deletes_its_applications() -> None:
    payload = json.loads(fixture_body("delete_candidate"))["payload"]["person"]
    events = parse_greenhouse_webhook(signed(fixture_body("delete_candidate")), secret=SECRET)

    deleted_apps = [e.external_id for e in events if e.object_type == "application"]
    assert deleted_apps == [str(i) for i in payload["deleted_application_ids"]]
    assert all(e.kind == "deleted" for e in events)


@pytest.mark.parametrize(
    "action", ["interview_deleted", "scorecard_deleted", "department_deleted", "office_deleted"]
)
def test_unfollowed_actions_are_acknowledged_without_events(action: str) -> None:
    assert parse_greenhouse_webhook(signed(fixture_body(action)), secret=SECRET) == []


def test_ping_is_acknowledged_without_events() -> None:
    body = b'{"action":"ping","payload":{"web_hook_id":1}}'

    assert parse_greenhouse_webhook(signed(body), secret=SECRET) == []


def test_dedupe_key_falls_back_to_a_hash_of_the_body() -> None:
    body = fixture_body("update_candidate")
    first = parse_greenhouse_webhook(signed(body, event_id=None), secret=SECRET)
    again = parse_greenhouse_webhook(signed(body, event_id=None), secret=SECRET)

    assert first[0].dedupe_key == again[0].dedupe_key
    assert first[0].dedupe_key.startswith("sha256:")


@pytest.mark.parametrize(
    ("body", "header"),
    [
        (
            b'{"action":"candidate_anonymized","payload":{"candidate_id":37031511,'
            b'"anonymized_fields":["full_name","current_title"]}}',
            "sha256 deb588013556c3743f95c36643c0d5a0ca85c4343d2ba013132fe8df16533acd",
        ),
        (
            b'{"action":"job_post_updated","payload":{"content":"\\u003cp\\u003ehello\\u003c/p\\u003e"}}',
            "sha256 30ed6e5faf8e98254517f3a672d25b396faa924a76f0e707319df205fb60f403",
        ),
        (
            b'{"action":"job_post_updated","payload":{"content":"<p>hello</p>"}}',
            "sha256 77e0fb7665de2fc3955365ec99d61fc2e9f0788b539ce335c450f2bdda9feeb5",
        ),
    ],
)
def test_signature_matches_the_reference_vectors(body: bytes, header: str) -> None:
    assert sign_greenhouse_body(body, SECRET) == header
    verify_greenhouse_signature(body, header, secret=SECRET)


def test_tampered_body_is_rejected() -> None:
    request = signed(fixture_body("update_candidate"))
    tampered = WebhookRequest(
        request.method,
        request.url,
        request.headers,
        request.body.replace(b'"id": ', b'"id": 9', 1),
        RECEIVED,
    )

    with pytest.raises(WebhookSignatureError, match="does not match"):
        parse_greenhouse_webhook(tampered, secret=SECRET)


def test_wrong_secret_is_rejected() -> None:
    with pytest.raises(WebhookSignatureError):
        parse_greenhouse_webhook(
            signed(fixture_body("update_candidate"), secret="other"), secret=SECRET
        )


def test_missing_signature_header_is_rejected() -> None:
    request = WebhookRequest(
        "POST", "https://hub.test/h", {}, fixture_body("update_candidate"), RECEIVED
    )

    with pytest.raises(WebhookSignatureError, match="without a Signature"):
        parse_greenhouse_webhook(request, secret=SECRET)


def test_signature_with_another_algorithm_is_rejected() -> None:
    body = fixture_body("update_candidate")
    header = sign_greenhouse_body(body, SECRET).replace("sha256", "sha1")

    with pytest.raises(WebhookSignatureError, match="not 'sha256"):
        verify_greenhouse_signature(body, header, secret=SECRET)


def test_signed_garbage_is_a_payload_error() -> None:
    with pytest.raises(WebhookPayloadError):
        parse_greenhouse_webhook(signed(b"not json"), secret=SECRET)


def test_signed_body_missing_ids_is_a_payload_error() -> None:
    with pytest.raises(WebhookPayloadError, match="reject_candidate"):
        parse_greenhouse_webhook(
            signed(b'{"action":"reject_candidate","payload":{}}'), secret=SECRET
        )


def test_events_never_carry_personal_data() -> None:
    events = parse_greenhouse_webhook(signed(fixture_body("update_candidate")), secret=SECRET)

    candidate = json.loads(fixture_body("update_candidate"))["payload"]["candidate"]
    dumped = json.dumps([e.model_dump(mode="json") for e in events])
    assert candidate["first_name"] not in dumped
    assert "@" not in dumped
