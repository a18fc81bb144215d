from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from hub.webhooks.signing import SECRET_PREFIX, generate_secret, sign

BODY = b'{"type":"person.hired","data":{"person_id":"p_1"}}'


def now_seconds() -> int:
    # The reference verifier hard-codes a +-5 min tolerance against the real clock.
    return int(time.time())


def test_generated_secret_is_whsec_prefixed_32_random_bytes():
    first, second = generate_secret(), generate_secret()
    assert first.startswith(SECRET_PREFIX)
    assert len(base64.b64decode(first.removeprefix(SECRET_PREFIX))) == 32
    assert first != second


def test_reference_verifier_accepts_our_signature():
    secret = generate_secret()
    headers = sign("msg_1", now_seconds(), BODY, [secret])
    assert Webhook(secret).verify(BODY, headers) == {
        "type": "person.hired",
        "data": {"person_id": "p_1"},
    }


def test_signature_matches_reference_signer():
    secret = generate_secret()
    ts = now_seconds()
    expected = Webhook(secret).sign("msg_1", datetime.fromtimestamp(ts, UTC), BODY.decode())
    assert sign("msg_1", ts, BODY, [secret])["webhook-signature"] == expected


def test_headers_carry_id_and_timestamp():
    headers = sign("msg_7", 1_700_000_000, BODY, [generate_secret()])
    assert headers["webhook-id"] == "msg_7"
    assert headers["webhook-timestamp"] == "1700000000"


@pytest.mark.parametrize("verifier_holds", ["old", "new"])
def test_rotation_signs_with_both_secrets_so_either_verifier_accepts(verifier_holds):
    old, new = generate_secret(), generate_secret()
    headers = sign("msg_2", now_seconds(), BODY, [old, new])
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old if verifier_holds == "old" else new).verify(BODY, headers)


def test_verifier_with_retired_secret_rejects_after_rotation_ends():
    old, new = generate_secret(), generate_secret()
    headers = sign("msg_3", now_seconds(), BODY, [new])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(BODY, headers)


def test_tampered_body_is_rejected():
    secret = generate_secret()
    headers = sign("msg_4", now_seconds(), BODY, [secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"p_1", b"p_2"), headers)


def test_tampered_id_is_rejected():
    secret = generate_secret()
    headers = sign("msg_5", now_seconds(), BODY, [secret]) | {"webhook-id": "msg_6"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)


def test_signing_without_any_secret_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        sign("msg_1", 0, BODY, [])
