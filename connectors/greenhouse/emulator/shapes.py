"""Webhook payloads in Greenhouse's documented webhook shapes, built from emulator records."""

from __future__ import annotations

from typing import Any

from connectors.greenhouse.emulator.state import EmulatorState

__all__ = [
    "application_payload",
    "person_payload",
    "webhook_candidate",
]

Record = dict[str, Any]
APP_URL = "https://app.greenhouse.io"


def _user(state: EmulatorState, user_id: int | None) -> Record | None:
    user = state.tables["users"].get(user_id) if user_id is not None else None
    if user is None:
        return None
    name = f"{user['first_name']} {user['last_name']}"
    return {
        "id": user["id"],
        "email": user["primary_email_address"],
        "name": name,
        "employee_id": user.get("employee_id"),
    }


def _keyed(custom_fields: dict[str, Any]) -> dict[str, Any]:
    # Webhooks carry keyed custom fields ({key: {name, type, value}}), Harvest flat ones.
    return {
        key: {"name": key.replace("_", " ").title(), "type": "short_text", "value": value}
        for key, value in custom_fields.items()
    }


def webhook_candidate(state: EmulatorState, candidate: Record) -> Record:
    """The candidate object nested in application and ``update_candidate`` webhooks."""
    return {
        "id": candidate["id"],
        "first_name": candidate["first_name"],
        "last_name": candidate["last_name"],
        "title": candidate["title"],
        "company": candidate["company"],
        "created_at": candidate["created_at"],
        "external_id": None,
        "photo_url": None,
        "url": f"{APP_URL}/people/{candidate['id']}",
        "is_private": candidate["is_private"],
        "can_email": candidate["can_email"],
        "phone_numbers": candidate["phone_numbers"],
        "email_addresses": candidate["email_addresses"],
        "addresses": candidate["addresses"],
        "website_addresses": candidate["website_addresses"],
        "social_media_addresses": candidate["social_media_addresses"],
        "educations": [],
        "employments": [],
        "recruiter": _user(state, candidate["recruiter_id"]),
        "coordinator": _user(state, candidate["coordinator_id"]),
        "attachments": [],
        "tags": candidate["tags"],
        "custom_fields": _keyed(candidate["custom_fields"]),
    }


def _job(state: EmulatorState, job_id: int) -> Record:
    job = state.tables["jobs"][job_id]
    return {
        "id": job["id"],
        "name": job["name"],
        "requisition_id": job["requisition_id"],
        "status": job["status"],
        "confidential": job["confidential"],
        "created_at": job["created_at"],
        "opened_at": job["opened_at"],
        "closed_at": job["closed_at"],
        "url": f"{APP_URL}/sdash/{job['id']}",
    }


def application_payload(state: EmulatorState, app: Record) -> Record:
    """``payload`` of the application actions (``candidate_stage_change``, …)."""
    candidate = state.tables["candidates"][app["candidate_id"]]
    stage = state.tables["job_interview_stages"].get(app["stage_id"] or 0)
    reason = state.tables["rejection_reasons"].get(app["rejection_reason_id"] or 0)
    return {
        "application": {
            "id": app["id"],
            "rejected_at": app["rejected_at"],
            "prospect": app["prospect"],
            "status": app["status"],
            "applied_at": app["applied_at"],
            "last_activity_at": app["last_activity_at"],
            "url": f"{APP_URL}/people/{candidate['id']}?application_id={app['id']}",
            "source": {"id": app["source_id"], "name": "Referral"} if app["source_id"] else None,
            "credited_to": _user(state, app["prospect_owner_id"]),
            "rejection_reason": (
                {"id": reason["id"], "name": reason["name"], "type": reason["type"]}
                if reason
                else None
            ),
            "rejection_details": None,
            "current_stage": (
                {"id": stage["id"], "name": stage["name"], "interviews": []} if stage else None
            ),
            "prospect_detail": {
                "prospect_pool": app["prospect_pool_id"],
                "prospect_stage": app["prospect_stage_id"],
                "prospect_owner": _user(state, app["prospect_owner_id"]),
            },
            "custom_fields": {},
            "candidate": webhook_candidate(state, candidate),
            "jobs": [_job(state, job_id) for job_id in app["job_ids"]],
        }
    }


def person_payload(candidate: Record, **extra: Any) -> Record:
    """``payload`` of ``delete_candidate`` and ``merge_candidate``."""
    person = {
        "id": candidate["id"],
        "first_name": candidate["first_name"],
        "last_name": candidate["last_name"],
        "company": candidate["company"],
        "title": candidate["title"],
        "created_at": candidate["created_at"],
        "headline": None,
        "is_private": candidate["is_private"],
        "recruiter_user_id": candidate["recruiter_id"],
        "coordinator_user_id": candidate["coordinator_id"],
        "can_email": candidate["can_email"],
        **extra,
    }
    return {"person": person}
