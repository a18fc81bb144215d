from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from connectors.hubspot.plugin import hubspot_spec
from connectors.hubspot.webhooks import events_of, sign_v3, verify_signature
from hub.connector import ConnectorContext, WebhookRequest
from hub.errors import WebhookPayloadError, WebhookSignatureError

FIXTURES = Path("/work/shared/reference/fixtures/hubspot")
SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://www.example.com/webhook_uri"
H1_BODY = (
    b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)
C2_STAMP = "1564113600500"
C2_SIGNATURE = "+r3cQe2xhAmobOAMhJIrVNtvq0R4VE7rXpN8HitwqVo="


def at_ms(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def request(
    body: bytes = H1_BODY,
    *,
    method: str = "POST",
    url: str = URI,
    headers: dict[str, str] | None = None,
    received_ms: int = 1564113600500 + 1000,
) -> WebhookRequest:
    return WebhookRequest(
        method=method, url=url, headers=headers or {}, body=body, received_at=at_ms(received_ms)
    )


def v3_headers(signature: str = C2_SIGNATURE, stamp: str = C2_STAMP) -> dict[str, str]:
    return {"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": stamp}


@pytest.fixture
def make_connector():
    built = []

    def make(**settings):
        settings = {"access_token": "t", "client_secret": SECRET, **settings}
        conn = hubspot_spec().build(settings, ConnectorContext())
        built.append(conn)
        return conn

    yield make
    for conn in built:
        conn.close()


def test_fixture_body_is_the_documented_h1_body():
    assert FIXTURES.joinpath("webhook_v1_signature_docs_body.json").read_bytes().strip() == H1_BODY


def test_published_v1_vector_verifies():
    sig = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    verify_signature(request(headers={"x-hubspot-signature": sig}), secret=SECRET, version="v1")


@pytest.mark.parametrize(
    ("method", "body", "signature"),
    [
        ("GET", b"", "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"),
        (
            "POST",
            b'{"example_field":"example_value"}',
            "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900",
        ),
        ("POST", H1_BODY, "276a2548f0a0181a076d456de09c0e7477ae101ccc16a11600488a77714e9b8d"),
    ],
)
def test_v2_vectors_verify(method, body, signature):
    req = request(body, method=method, headers={"x-hubspot-signature": signature})
    verify_signature(req, secret=SECRET, version="v2")


def test_computed_v3_vector_verifies_and_parses(make_connector):
    conn = make_connector(signature_version="v3")
    [event] = conn.parse_webhook(request(headers=v3_headers()))
    assert event.kind == "created"
    assert event.external_id == "123"
    assert event.occurred_at == at_ms(1564113600000)
    assert event.dedupe_key == "12345:123:1564113600000:"


def test_v3_stale_timestamp_is_refused():
    req = request(headers=v3_headers(), received_ms=int(C2_STAMP) + 300_001)
    with pytest.raises(WebhookSignatureError, match="5-minute"):
        verify_signature(req, secret=SECRET, version="v3")


def test_v3_tampered_body_is_refused():
    req = request(H1_BODY.replace(b"123", b"124"), headers=v3_headers())
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(req, secret=SECRET, version="v3")


def test_v3_wrong_secret_is_refused():
    with pytest.raises(WebhookSignatureError):
        verify_signature(request(headers=v3_headers()), secret="other-secret", version="v3")


def test_v3_missing_headers_are_refused():
    with pytest.raises(WebhookSignatureError, match="missing"):
        verify_signature(request(), secret=SECRET, version="v3")


def test_v1_wrong_secret_is_refused():
    sig = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    with pytest.raises(WebhookSignatureError):
        verify_signature(request(headers={"x-hubspot-signature": sig}), secret="x", version="v1")


def test_public_url_rebuilds_the_uri_hubspot_signed(make_connector):
    conn = make_connector(webhook_public_url="https://www.example.com")
    behind_proxy = request(url="http://10.0.0.5:8000/webhook_uri", headers=v3_headers())
    assert [e.external_id for e in conn.parse_webhook(behind_proxy)] == ["123"]
    conn_without = make_connector()
    with pytest.raises(WebhookSignatureError):
        conn_without.parse_webhook(behind_proxy)


def test_docs_batch_parses_into_events_with_property_names():
    body = FIXTURES.joinpath("webhook_batch_docs_example.json").read_bytes()
    changed, created = events_of(body)
    assert (changed.kind, changed.property_name, changed.external_id) == (
        "updated",
        "lifecyclestage",
        "1246965",
    )
    assert changed.dedupe_key == "25:1246965:1462216307945:lifecyclestage"
    assert (created.kind, created.external_id) == ("created", "1246978")


def test_every_contact_subscription_type_maps_to_an_event():
    base = {"subscriptionId": 9, "portalId": 1, "occurredAt": 1700000000000, "eventId": 5}
    items = [
        {**base, "subscriptionType": "contact.deletion", "objectId": 1},
        {
            **base,
            "subscriptionType": "contact.merge",
            "objectId": 2,
            "primaryObjectId": 2,
            "mergedObjectIds": [3, 4],
            "newObjectId": 2,
        },
        {**base, "subscriptionType": "contact.restore", "objectId": 5},
        {**base, "subscriptionType": "contact.privacyDeletion", "objectId": 6},
        {
            **base,
            "subscriptionType": "contact.associationChange",
            "fromObjectId": 7,
            "toObjectId": 70,
            "associationType": "CONTACT_TO_COMPANY",
            "associationRemoved": True,
        },
        {**base, "eventType": "contact.creation", "objectId": 8},
        {**base, "subscriptionType": "deal.creation", "objectId": 9},
    ]
    events = events_of(json.dumps(items).encode())
    assert [(e.kind, e.external_id) for e in events] == [
        ("deleted", "1"),
        ("merged", "2"),
        ("restored", "5"),
        ("erased", "6"),
        ("association_changed", "7"),
        ("created", "8"),
    ]
    assert events[1].related_ids == {"primary_object_id": "2", "merged_object_ids": "3,4"}
    assert events[4].related_ids["to_object_id"] == "70"


def test_same_event_id_different_objects_get_different_dedupe_keys():
    base = {
        "subscriptionId": 9,
        "occurredAt": 1,
        "eventId": 5,
        "subscriptionType": "contact.creation",
    }
    events = events_of(json.dumps([{**base, "objectId": 1}, {**base, "objectId": 2}]).encode())
    assert len({e.dedupe_key for e in events}) == 2


@pytest.mark.parametrize("body", [b"not json", b'"a string"', b'[{"objectId": 1}]'])
def test_unparseable_bodies_are_payload_errors(body):
    with pytest.raises(WebhookPayloadError):
        events_of(body)


def test_emulator_webhooks_arrive_signed_and_parse(emulator, connector, receiver):
    emu = emulator(people=5, webhook_urls=[receiver.url], webhook_batch_ms=50)
    admin = httpx.post(f"{emu.base_url}/_emulator/contacts/101/ready_for_ats")
    assert admin.status_code == 200
    [delivery] = receiver.wait_for(1)
    conn = connector(emu.base_url, client_secret="emulator-secret")
    events = conn.parse_webhook(delivery)
    assert [(e.kind, e.external_id, e.property_name) for e in events] == [
        ("updated", "101", "hub_ready_for_ats")
    ]
    tampered = WebhookRequest(
        method="POST",
        url=delivery.url,
        headers=delivery.headers,
        body=delivery.body + b" ",
        received_at=delivery.received_at,
    )
    with pytest.raises(WebhookSignatureError):
        conn.parse_webhook(tampered)


def test_marketer_merge_and_privacy_delete_reach_the_hub_as_events(emulator, connector, receiver):
    emu = emulator(people=5, webhook_urls=[receiver.url], webhook_batch_ms=50)
    merged = httpx.post(
        f"{emu.base_url}/_emulator/merge", json={"primaryObjectId": "101", "objectIdToMerge": "102"}
    )
    assert merged.status_code == 200
    httpx.post(f"{emu.base_url}/_emulator/contacts/103/privacy_delete").raise_for_status()
    conn = connector(emu.base_url, client_secret="emulator-secret")
    events = []
    deliveries = 0
    while not any(e.kind == "erased" for e in events):
        batch = receiver.wait_for(deliveries + 1)
        assert len(batch) > deliveries, "webhooks stopped arriving"
        events.extend(e for d in batch[deliveries:] for e in conn.parse_webhook(d))
        deliveries = len(batch)
    merge = next(e for e in events if e.kind == "merged")
    assert (merge.external_id, merge.related_ids["merged_object_ids"]) == ("101", "102")
    assert any(e.kind == "erased" and e.external_id == "103" for e in events)
    state = httpx.get(f"{emu.base_url}/_emulator/state").json()
    assert state["contacts"] == 3


def test_v3_signature_helper_matches_the_vector():
    assert sign_v3(SECRET, method="POST", uri=URI, body=H1_BODY, timestamp=C2_STAMP) == C2_SIGNATURE
