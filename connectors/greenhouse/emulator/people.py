"""Candidate and prospect changes in the emulator; each returns the webhooks it fires."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.greenhouse.emulator.applications import new_application
from connectors.greenhouse.emulator.shapes import (
    application_payload,
    person_payload,
    webhook_candidate,
)
from connectors.greenhouse.emulator.state import EmulatorError, EmulatorState, invalid

__all__ = [
    "Change",
    "anonymize_candidate",
    "create_person",
    "delete_candidate",
    "merge_candidates",
    "patch_candidate",
]

Record = dict[str, Any]
Change = tuple[str, Record]
LISTS = (
    "email_addresses",
    "phone_numbers",
    "addresses",
    "website_addresses",
    "social_media_addresses",
)
TYPES = {
    "email_addresses": {"personal", "work", "other"},
    "phone_numbers": {"home", "work", "mobile", "skype", "other"},
    "addresses": {"home", "work", "other"},
    "website_addresses": {"personal", "company", "portfolio", "blog", "other"},
}
SCALARS = ("first_name", "last_name", "company", "title", "is_private", "can_email")
USER_REFS = ("recruiter_id", "coordinator_id")
PATCHABLE = frozenset((*LISTS, *SCALARS, *USER_REFS, "tags", "custom_fields"))


def _check_list(name: str, items: Any) -> list[Record]:
    if not isinstance(items, list):
        raise invalid(name, "Must be an array")
    out: list[Record] = []
    for item in items:
        if not isinstance(item, Mapping) or not str(item.get("value") or "").strip():
            raise invalid(name, "Each item needs a value")
        kind = item.get("type")
        if name in TYPES and kind not in TYPES[name]:
            raise invalid(f"{name}.type", f"Must be one of: {', '.join(sorted(TYPES[name]))}")
        out.append({"value": str(item["value"]), "type": kind} if name in TYPES else dict(item))
    return out


def _apply_fields(state: EmulatorState, candidate: Record, body: Mapping[str, Any]) -> None:
    unknown = set(body) - PATCHABLE
    if unknown:
        raise invalid(sorted(unknown)[0], "Unknown field")
    for name, value in body.items():
        if name in LISTS:
            candidate[name] = _check_list(name, value)
        elif name == "tags":
            if not isinstance(value, list):
                raise invalid("tags", "Must be an array of strings")
            candidate["tags"] = [str(tag) for tag in value]
        elif name == "custom_fields":
            _apply_custom_fields(candidate, value)
        elif name in USER_REFS:
            if value is not None and value not in state.tables["users"]:
                raise invalid(name, "User not found")
            candidate[name] = value
        else:
            candidate[name] = value


def _apply_custom_fields(candidate: Record, value: Any) -> None:
    # Harvest takes [{"name_key", "value"}] (or "delete_value": "true"); reads are keyed by key.
    if not isinstance(value, list):
        raise invalid("custom_fields", "Must be an array")
    fields = dict(candidate["custom_fields"])
    for item in value:
        key = item.get("name_key") or item.get("id") if isinstance(item, Mapping) else None
        if not key:
            raise invalid("custom_fields.name_key", "Must name the field")
        if item.get("delete_value") == "true":
            fields.pop(str(key), None)
        elif item.get("value") in (None, ""):
            raise invalid("custom_fields.value", "Must not be blank")
        else:
            fields[str(key)] = item["value"]
    candidate["custom_fields"] = fields


def blank_candidate(state: EmulatorState, *, created_at: str | None = None) -> Record:
    """A candidate record with every field present (null or empty), v3-shaped."""
    stamp = created_at or state.now()
    record: Record = {"id": state.new_id(), "created_at": stamp, "updated_at": stamp}
    record.update(dict.fromkeys(("first_name", "last_name", "company", "title"), None))
    record.update({"is_private": False, "can_email": True, "last_activity_at": stamp})
    record.update({name: [] for name in (*LISTS, "tags")})
    record.update({"custom_fields": {}, "recruiter_id": None, "coordinator_id": None})
    return record


def create_person(
    state: EmulatorState, body: Mapping[str, Any], *, prospect: bool
) -> tuple[Record, list[Change]]:
    """``POST /candidates`` or ``POST /prospects``: a person and their first application(s)."""
    missing = [name for name in ("first_name", "last_name") if not body.get(name)]
    if missing:
        raise EmulatorError(422, "Validation error", [(m, "Can't be blank") for m in missing])
    fields = {k: v for k, v in body.items() if k in PATCHABLE}
    extra = {k: v for k, v in body.items() if k not in PATCHABLE}
    candidate = blank_candidate(state)
    _apply_fields(state, candidate, fields)
    state.tables["candidates"][candidate["id"]] = candidate
    try:
        if prospect:
            apps = [new_application(state, {**extra, "prospect": True}, candidate)]
        else:
            specs = extra.get("applications") or []
            apps = [new_application(state, dict(spec), candidate) for spec in specs]
    except EmulatorError:
        state.tables["candidates"].pop(candidate["id"])
        raise
    action = "new_prospect_application" if prospect else "new_candidate_application"
    return candidate, [(action, application_payload(state, app)) for app in apps]


NOTE_VISIBILITY = frozenset({"admin_only", "private", "public"})


def add_note(state: EmulatorState, body: Mapping[str, Any]) -> tuple[Record, list[Change]]:
    """``POST /notes`` (ASSUMED: v1's activity-feed note as its own v3 resource).

    ``candidate_id`` and ``body`` are required; ``visibility`` is ``admin_only`` (the default),
    ``private`` or ``public``. The candidate's ``last_activity_at`` moves; ``updated_at`` does not.
    """
    candidate_id = body.get("candidate_id")
    if not isinstance(candidate_id, int) or candidate_id not in state.tables["candidates"]:
        raise invalid("candidate_id", "Must be an existing candidate id")
    text = body.get("body")
    if not isinstance(text, str) or not text.strip():
        raise invalid("body", "Can't be blank")
    visibility = body.get("visibility", "admin_only")
    if visibility not in NOTE_VISIBILITY:
        raise invalid("visibility", f"Must be one of {', '.join(sorted(NOTE_VISIBILITY))}")
    now = state.now()
    note: Record = {
        "id": state.new_id(),
        "candidate_id": candidate_id,
        "user_id": body.get("user_id"),
        "body": text,
        "visibility": visibility,
        "created_at": now,
        "updated_at": now,
    }
    state.tables["notes"][note["id"]] = note
    state.tables["candidates"][candidate_id]["last_activity_at"] = now
    return note, []


def patch_candidate(
    state: EmulatorState, candidate_id: int, body: Mapping[str, Any]
) -> tuple[Record, list[Change]]:
    """``PATCH /candidates/{id}``: arrays replace what was there."""
    candidate = state.get("candidates", candidate_id, what="Candidate")
    updated = dict(candidate)
    _apply_fields(state, updated, body)
    updated["updated_at"] = state.now()
    state.tables["candidates"][candidate_id] = updated
    return updated, [("update_candidate", {"candidate": webhook_candidate(state, updated)})]


def _remove(state: EmulatorState, candidate_id: int) -> tuple[Record, list[int]]:
    candidate = state.tables["candidates"].pop(candidate_id)
    apps = state.tables["applications"]
    gone = [app_id for app_id, app in apps.items() if app["candidate_id"] == candidate_id]
    for app_id in gone:
        del apps[app_id]
    return candidate, gone


def delete_candidate(state: EmulatorState, candidate_id: int) -> list[Change]:
    """Delete a person and their applications."""
    state.get("candidates", candidate_id, what="Candidate")
    candidate, gone = _remove(state, candidate_id)
    return [("delete_candidate", person_payload(candidate, deleted_application_ids=gone))]


def merge_candidates(state: EmulatorState, primary_id: int, duplicate_id: int) -> list[Change]:
    """Merge ``duplicate_id`` into ``primary_id``: contact values and applications move over."""
    if primary_id == duplicate_id:
        raise invalid("duplicate_candidate_id", "Must differ from primary_candidate_id")
    primary = state.get("candidates", primary_id, what="Candidate")
    duplicate = state.get("candidates", duplicate_id, what="Candidate")
    for name in (*LISTS, "tags"):
        seen = {str(item).casefold() for item in primary[name]}
        primary[name] = primary[name] + [
            item for item in duplicate[name] if str(item).casefold() not in seen
        ]
    now = state.now()
    for app in state.tables["applications"].values():
        if app["candidate_id"] == duplicate_id:
            app["candidate_id"] = primary_id
            app["updated_at"] = now
    primary["updated_at"] = now
    _remove(state, duplicate_id)
    return [("merge_candidate", person_payload(duplicate, new_candidate_id=primary_id))]


ANONYMIZABLE = {
    "full_name": ("first_name", "last_name"),
    "current_company": ("company",),
    "current_title": ("title",),
    "email_addresses": ("email_addresses",),
    "phone_numbers": ("phone_numbers",),
    "addresses": ("addresses",),
    "website_addresses": ("website_addresses",),
    "social_media_links": ("social_media_addresses",),
    "tags": ("tags",),
}


def anonymize_candidate(state: EmulatorState, candidate_id: int, fields: list[str]) -> list[Change]:
    """GDPR-anonymize the named fields (Greenhouse's ``fields`` names)."""
    candidate = state.get("candidates", candidate_id, what="Candidate")
    unknown = [name for name in fields if name not in ANONYMIZABLE]
    if unknown or not fields:
        raise invalid("fields", f"Must be some of: {', '.join(ANONYMIZABLE)}")
    for name in fields:
        for key in ANONYMIZABLE[name]:
            candidate[key] = [] if isinstance(candidate[key], list) else None
    candidate["updated_at"] = state.now()
    payload = {"candidate_id": candidate_id, "anonymized_fields": list(fields)}
    return [("candidate_anonymized", payload)]
