"""Standard Webhooks v1 signing of outbound deliveries (HMAC-SHA256, ``whsec_`` secrets)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as secrets_module
from collections.abc import Sequence

__all__ = ["SECRET_PREFIX", "generate_secret", "sign", "signature_for"]

SECRET_PREFIX = "whsec_"
_SECRET_BYTES = 32


def generate_secret() -> str:
    """A fresh endpoint secret: ``whsec_`` followed by base64 of 32 random bytes."""
    key = secrets_module.token_bytes(_SECRET_BYTES)
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def _secret_key(secret: str) -> bytes:
    """The raw HMAC key of a ``whsec_`` secret (the prefix is optional, like the verifiers')."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    if not encoded:
        raise ValueError("webhook secret is empty")
    return base64.b64decode(encoded, validate=True)


def signature_for(msg_id: str, timestamp: int, body: bytes, secret: str) -> str:
    """One ``v1,<base64>`` signature of ``{msg_id}.{timestamp}.{body}`` with one secret.

    Args:
        msg_id: The ``webhook-id``, the same for every retry and replay of one event.
        timestamp: Unix seconds of this attempt.
        body: The exact bytes that will be sent.
        secret: A ``whsec_`` secret.

    Returns:
        The signature entry, e.g. ``v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=``.
    """
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def sign(msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery attempt.

    During a rotation grace period both the old and the new secret are active; each signs, and
    the signatures are space-separated so a receiver holding either secret can verify.

    Args:
        msg_id: The ``webhook-id``.
        timestamp: Unix seconds of this attempt (the caller reads the clock).
        body: The exact bytes that will be sent.
        secrets: Every active secret of the endpoint, at least one.

    Returns:
        ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers.

    Raises:
        ValueError: If no secret is given, or a secret is not valid base64.
    """
    if not secrets:
        raise ValueError("at least one active webhook secret is needed to sign")
    signatures = " ".join(signature_for(msg_id, timestamp, body, s) for s in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }
