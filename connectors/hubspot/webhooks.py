"""Inbound HubSpot webhooks: signature verification (v1, v2, v3) and id-level events.

The signed URI is the one HubSpot called. Behind a proxy the hub sees another host and scheme,
so when ``webhook_public_url`` is set the URI is rebuilt from it and the request's path and
query. ``eventId`` is not unique, so the dedupe key is (subscriptionId, objectId, occurredAt,
propertyName).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import ValidationError

from connectors.hubspot.schemas import HubSpotWebhookEvent
from connectors.hubspot.values import epoch_ms, from_epoch_ms
from hub.connector import WebhookRequest
from hub.errors import WebhookPayloadError, WebhookSignatureError
from hub.models import ChangeEvent, ChangeKind

__all__ = [
    "MAX_AGE_MS",
    "events_of",
    "public_uri",
    "sign_v1",
    "sign_v2",
    "sign_v3",
    "verify_signature",
]

MAX_AGE_MS = 300_000
# HubSpot decodes these escapes in the URI before signing (v3).
_DECODE = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_KINDS: dict[str, ChangeKind] = {
    "creation": "created",
    "propertyChange": "updated",
    "deletion": "deleted",
    "merge": "merged",
    "restore": "restored",
    "privacyDeletion": "erased",
    "associationChange": "association_changed",
}


def sign_v1(secret: str, body: bytes) -> str:
    """v1: hex SHA-256 of client secret + body."""
    return hashlib.sha256(secret.encode() + body).hexdigest()


def sign_v2(secret: str, *, method: str, uri: str, body: bytes) -> str:
    """v2: hex SHA-256 of client secret + method + URI + body."""
    return hashlib.sha256((secret + method + uri).encode() + body).hexdigest()


def sign_v3(secret: str, *, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """v3: base64 HMAC-SHA256 (key = client secret) of method + URI + body + timestamp."""
    message = (method + uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def public_uri(url: str, public_base: str | None) -> str:
    """The URI HubSpot signed: ``public_base`` + the request's path and query, if set."""
    if not public_base:
        return url
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return public_base.rstrip("/") + parts.path + query


def _decoded(uri: str) -> str:
    for escape, char in _DECODE.items():
        uri = uri.replace(escape, char).replace(escape.lower(), char)
    return uri


def verify_signature(
    request: WebhookRequest, *, secret: str, version: str, public_base: str | None = None
) -> None:
    """Check the request's signature per ``version``; return quietly when it is good.

    Raises:
        WebhookSignatureError: Missing header, wrong signature or stale timestamp.
    """
    uri = public_uri(request.url, public_base)
    method = request.method.upper()
    if version == "v3":
        signature = request.headers.get("x-hubspot-signature-v3")
        stamp = request.headers.get("x-hubspot-request-timestamp")
        if not signature or not stamp or not stamp.isdigit():
            raise WebhookSignatureError("hubspot webhook: missing v3 signature or timestamp")
        age = epoch_ms(request.received_at) - int(stamp)
        if abs(age) > MAX_AGE_MS:
            raise WebhookSignatureError("hubspot webhook: timestamp outside the 5-minute window")
        expected = sign_v3(
            secret, method=method, uri=_decoded(uri), body=request.body, timestamp=stamp
        )
    else:
        signature = request.headers.get("x-hubspot-signature")
        if not signature:
            raise WebhookSignatureError(f"hubspot webhook: missing {version} signature")
        expected = (
            sign_v1(secret, request.body)
            if version == "v1"
            else sign_v2(secret, method=method, uri=uri, body=request.body)
        )
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise WebhookSignatureError(f"hubspot webhook: {version} signature does not match")


def _event(item: HubSpotWebhookEvent) -> ChangeEvent | None:
    kind_name = item.subscriptionType or item.eventType or ""
    object_type, _, verb = kind_name.partition(".")
    kind = _KINDS.get(verb)
    if object_type != "contact" or kind is None:
        return None
    target = item.objectId
    related: dict[str, str] = {}
    if verb == "merge":
        target = item.newObjectId or item.primaryObjectId or item.objectId
        related["primary_object_id"] = str(item.primaryObjectId or target)
        related["merged_object_ids"] = ",".join(str(i) for i in item.mergedObjectIds)
    elif verb == "associationChange":
        target = item.fromObjectId or item.objectId
        if item.toObjectId is not None:
            related["to_object_id"] = str(item.toObjectId)
        if item.associationType:
            related["association_type"] = item.associationType
        related["removed"] = str(bool(item.associationRemoved)).lower()
    if target is None:
        raise WebhookPayloadError(f"hubspot webhook: {kind_name} event without an object id")
    occurred: datetime = from_epoch_ms(item.occurredAt)
    return ChangeEvent(
        object_type="contact",
        external_id=str(target),
        kind=kind,
        occurred_at=occurred,
        dedupe_key=(
            f"{item.subscriptionId}:{item.objectId}:{item.occurredAt}:{item.propertyName or ''}"
        ),
        action=kind_name,
        property_name=item.propertyName,
        related_ids=related,
    )


def events_of(body: bytes) -> list[ChangeEvent]:
    """Turn a (verified) batched body into contact events; other object types are skipped.

    Raises:
        WebhookPayloadError: The body is not a JSON array of HubSpot events.
    """
    try:
        items = json.loads(body)
    except ValueError as error:
        raise WebhookPayloadError("hubspot webhook: body is not JSON") from error
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise WebhookPayloadError("hubspot webhook: body is not an array of events")
    events: list[ChangeEvent] = []
    for raw in items:
        try:
            item = HubSpotWebhookEvent.model_validate(raw)
        except ValidationError as error:
            raise WebhookPayloadError(
                f"hubspot webhook: malformed event ({error.error_count()} problems)"
            ) from None
        event = _event(item)
        if event is not None:
            events.append(event)
    return events
