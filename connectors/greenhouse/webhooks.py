"""Greenhouse webhooks: ``Signature: sha256 <hex>`` over the raw body, and id-level events.

Webhook bodies use Greenhouse's webhook (v1-era) shapes: ``{"action": …, "payload": {…}}``.
Events carry ids only; the sync re-reads the records through Harvest v3.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hub.connector import WebhookRequest
from hub.errors import WebhookPayloadError, WebhookSignatureError
from hub.models import ChangeEvent

__all__ = [
    "APPLICATION_ACTIONS",
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "parse_greenhouse_webhook",
    "sign_greenhouse_body",
    "verify_greenhouse_signature",
]

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "signature"
EVENT_ID_HEADER = "greenhouse-event-id"

APPLICATION_ACTIONS: dict[str, str] = {
    "new_candidate_application": "created",
    "new_prospect_application": "created",
    "application_updated": "updated",
    "candidate_stage_change": "stage_changed",
    "reject_candidate": "rejected",
    "unreject_candidate": "unrejected",
    "hire_candidate": "hired",
    "unhire_candidate": "unhired",
    "delete_application": "deleted",
}
_JOB_ACTIONS = {
    "job_created": "created",
    "job_updated": "updated",
    "job_approved": "updated",
    "job_deleted": "deleted",
}
_OFFER_ACTIONS = {
    "offer_created": "created",
    "offer_approved": "updated",
    "offer_updated": "updated",
    "offer_deleted": "deleted",
}

# (object_type, external_id, kind, related_ids) before the common fields are added.
_Draft = tuple[str, Any, str, dict[str, str]]


def sign_greenhouse_body(body: bytes, secret: str) -> str:
    """The ``Signature`` header value Greenhouse sends for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256 {digest}"


def verify_greenhouse_signature(body: bytes, header: str | None, *, secret: str) -> None:
    """Check ``header`` against the raw ``body``, in constant time.

    Raises:
        WebhookSignatureError: Missing, malformed or wrong signature.
    """
    if not header:
        raise WebhookSignatureError("greenhouse webhook without a Signature header")
    algorithm, _, given = header.strip().partition(" ")
    if algorithm.lower() != "sha256" or not given:
        raise WebhookSignatureError("greenhouse Signature header is not 'sha256 <hex>'")
    expected = sign_greenhouse_body(body, secret).partition(" ")[2]
    if not hmac.compare_digest(expected, given.strip().lower()):
        raise WebhookSignatureError("greenhouse webhook signature does not match")


def _application_drafts(action: str, payload: dict[str, Any]) -> list[_Draft]:
    app = payload["application"]
    candidate = app.get("candidate") or {}
    candidate_id = candidate.get("id", app.get("candidate_id"))
    jobs = app.get("jobs") or []
    job_id = jobs[0].get("id") if jobs else app.get("job_id")
    related = {"candidate_id": str(candidate_id)} if candidate_id is not None else {}
    if job_id is not None:
        related["job_id"] = str(job_id)
    drafts: list[_Draft] = [("application", app["id"], APPLICATION_ACTIONS[action], related)]
    if action.startswith("new_") and candidate_id is not None:
        # A new application may come with a new candidate or prospect: have it read too.
        drafts.append(("candidate", candidate_id, "updated", {"application_id": str(app["id"])}))
    return drafts


def _candidate_drafts(action: str, payload: dict[str, Any]) -> list[_Draft]:
    if action == "update_candidate":
        return [("candidate", payload["candidate"]["id"], "updated", {})]
    if action == "candidate_anonymized":
        fields = ",".join(str(f) for f in payload.get("anonymized_fields") or [])
        return [("candidate", payload["candidate_id"], "erased", {"anonymized_fields": fields})]
    person = payload["person"]
    if action == "merge_candidate":
        merged = {"merged_away_id": str(person["id"])}
        return [("candidate", person["new_candidate_id"], "merged", merged)]
    drafts: list[_Draft] = [("candidate", person["id"], "deleted", {})]
    for app_id in person.get("deleted_application_ids") or []:
        drafts.append(("application", app_id, "deleted", {"candidate_id": str(person["id"])}))
    return drafts


def _job_drafts(action: str, payload: dict[str, Any]) -> list[_Draft]:
    if action in _JOB_ACTIONS:
        return [("job", payload["job"]["id"], _JOB_ACTIONS[action], {})]
    if action == "job_interview_stage_deleted":
        stage = payload["job_interview_stage"]
        return [("job_interview_stage", stage["id"], "deleted", {"job_id": str(stage["job_id"])})]
    post = payload.get("job_post", payload)
    return [("job", post["job_id"], "updated", {"job_post_id": str(post["id"])})]


def _offer_drafts(action: str, payload: dict[str, Any]) -> list[_Draft]:
    offer = payload.get("offer", payload)
    related = {"application_id": str(offer["application_id"]), "job_id": str(offer["job_id"])}
    return [("offer", offer["id"], _OFFER_ACTIONS[action], related)]


_CANDIDATE_ACTIONS = ("update_candidate", "delete_candidate", "merge_candidate")
_JOB_POST_ACTIONS = ("job_post_created", "job_post_updated", "job_post_deleted")


def _handler(action: str) -> Callable[[str, dict[str, Any]], list[_Draft]] | None:
    if action in APPLICATION_ACTIONS:
        return _application_drafts
    if action in _CANDIDATE_ACTIONS or action == "candidate_anonymized":
        return _candidate_drafts
    if action in _JOB_ACTIONS or action in _JOB_POST_ACTIONS:
        return _job_drafts
    if action == "job_interview_stage_deleted":
        return _job_drafts
    if action in _OFFER_ACTIONS:
        return _offer_drafts
    return None


def parse_greenhouse_webhook(request: WebhookRequest, *, secret: str) -> list[ChangeEvent]:
    """Verify one delivery and turn it into id-level :class:`ChangeEvent` s.

    The ping sent when a webhook is saved, and actions the hub does not follow, are
    acknowledged with no events.

    Raises:
        WebhookSignatureError: Missing, malformed or wrong signature.
        WebhookPayloadError: Signed correctly but not a Greenhouse webhook body.
    """
    headers = {k.lower(): v for k, v in request.headers.items()}
    verify_greenhouse_signature(request.body, headers.get(SIGNATURE_HEADER), secret=secret)
    try:
        document = json.loads(request.body)
        action = str(document["action"])
        payload = document.get("payload") or {}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WebhookPayloadError("greenhouse webhook body is not {action, payload}") from exc
    handler = _handler(action)
    if handler is None:
        log.info("greenhouse webhook %r acknowledged without events", action[:64])
        return []
    try:
        drafts = handler(action, payload)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise WebhookPayloadError(f"greenhouse {action} webhook lacks an expected id") from exc
    base = headers.get(EVENT_ID_HEADER) or "sha256:" + hashlib.sha256(request.body).hexdigest()
    return [
        _event(draft, action=action, dedupe_base=base, occurred_at=request.received_at)
        for draft in drafts
    ]


def _event(draft: _Draft, *, action: str, dedupe_base: str, occurred_at: datetime) -> ChangeEvent:
    object_type, external_id, kind, related = draft
    return ChangeEvent.model_validate(
        {
            "object_type": object_type,
            "external_id": str(external_id),
            "kind": kind,
            # Greenhouse webhooks carry no event time: the receipt time is the best we know.
            "occurred_at": occurred_at,
            "dedupe_key": f"{dedupe_base}:{object_type}:{external_id}",
            "action": action,
            "related_ids": related,
        }
    )
