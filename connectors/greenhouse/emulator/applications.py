"""Application changes in the emulator, with Greenhouse's state guards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.greenhouse.emulator.shapes import application_payload
from connectors.greenhouse.emulator.state import EmulatorError, EmulatorState, invalid

__all__ = [
    "add_application",
    "convert_prospect",
    "delete_application",
    "hire_application",
    "move_application",
    "new_application",
    "reject_application",
    "unhire_application",
    "unreject_application",
]

Record = dict[str, Any]
Change = tuple[str, Record]


def job_stages(state: EmulatorState, job_id: int) -> list[Record]:
    """A job's active stages in ``sort_order``."""
    stages = state.tables["job_interview_stages"].values()
    return sorted(
        (s for s in stages if s["job_id"] == job_id and s["active"]),
        key=lambda s: s["sort_order"],
    )


def _job(state: EmulatorState, job_id: Any, name: str) -> int:
    if not isinstance(job_id, int) or job_id not in state.tables["jobs"]:
        raise invalid(name, "Job not found")
    return job_id


def _referrer(value: Any) -> Record | None:
    """The application's referrer, as v1's ``{type: id|email|outside, value}`` (ASSUMED in v3)."""
    if value is None:
        return None
    if (
        not isinstance(value, Mapping)
        or value.get("type") not in ("id", "email", "outside")
        or not str(value.get("value") or "").strip()
    ):
        raise invalid("referrer", "Must be {type: id|email|outside, value}")
    return {"type": value["type"], "value": value["value"]}


def new_application(state: EmulatorState, body: Mapping[str, Any], candidate: Record) -> Record:
    """Create and store an application for ``candidate`` (no webhook)."""
    now = state.now()
    app: Record = {
        "id": state.new_id(),
        "candidate_id": candidate["id"],
        "created_at": now,
        "updated_at": now,
        "applied_at": now,
        "last_activity_at": now,
        "status": "active",
        "rejected_at": None,
        "hired_at": None,
        "rejection_reason_id": None,
        "source_id": body.get("source_id"),
        "referrer": _referrer(body.get("referrer")),
    }
    prospect = str(body.get("prospect", "")).lower() == "true"
    app.update(dict.fromkeys(("prospect_pool_id", "prospect_stage_id", "prospect_owner_id")))
    if prospect:
        job_ids = [_job(state, j, "job_ids") for j in body.get("job_ids") or []]
        app.update(prospect=True, job_ids=job_ids, stage_id=None)
        for key in ("prospect_pool_id", "prospect_stage_id", "prospect_owner_id"):
            app[key] = body.get(key)
    else:
        job_id = _job(state, body.get("job_id"), "job_id")
        stages = job_stages(state, job_id)
        stage_id = body.get("initial_stage_id") or (stages[0]["id"] if stages else None)
        if stage_id not in {s["id"] for s in stages}:
            raise invalid("initial_stage_id", "Stage does not belong to the job")
        app.update(prospect=False, job_ids=[job_id], stage_id=stage_id)
    state.tables["applications"][app["id"]] = app
    return app


def add_application(state: EmulatorState, body: Mapping[str, Any]) -> tuple[Record, list[Change]]:
    """``POST /applications``: a candidate or prospect application for an existing person."""
    candidate_id = body.get("candidate_id")
    candidate = (
        state.tables["candidates"].get(candidate_id) if isinstance(candidate_id, int) else None
    )
    if candidate is None:
        raise invalid("candidate_id", "Candidate not found")
    app = new_application(state, body, candidate)
    action = "new_prospect_application" if app["prospect"] else "new_candidate_application"
    return app, [(action, application_payload(state, app))]


def _active(state: EmulatorState, app_id: int, *, candidates_only: bool = True) -> Record:
    app = state.get("applications", app_id, what="Application")
    if app["status"] != "active":
        raise EmulatorError(
            422, "Validation error", [("", f"Application must be 'active', is '{app['status']}'")]
        )
    if candidates_only and app["prospect"]:
        raise invalid("application_id", "Prospect applications have no interview stages")
    return app


def _touch(state: EmulatorState, app: Record, **changes: Any) -> Record:
    now = state.now()
    app.update(changes, updated_at=now, last_activity_at=now)
    return app


def move_application(state: EmulatorState, app_id: int, body: Mapping[str, Any]) -> list[Change]:
    """``POST /applications/{id}/move``: ``to_stage_id``, ``to_job_id`` or the next stage."""
    app = _active(state, app_id)
    if "from_stage_id" not in body:
        raise invalid("from_stage_id", "Can't be blank")
    if body["from_stage_id"] != app["stage_id"]:
        raise invalid("from_stage_id", "Does not match the application's current stage")
    job_id = app["job_ids"][0]
    if body.get("to_job_id") is not None:
        job_id = _job(state, body["to_job_id"], "to_job_id")
        stages = job_stages(state, job_id)
        target = stages[0]["id"] if stages else None
    else:
        stages = job_stages(state, job_id)
        ids = [s["id"] for s in stages]
        target = body.get("to_stage_id")
        if target is None:
            position = ids.index(app["stage_id"]) + 1 if app["stage_id"] in ids else len(ids)
            if position >= len(ids):
                raise invalid("to_stage_id", "Application is in the last stage")
            target = ids[position]
        elif target not in ids:
            raise invalid("to_stage_id", "Stage does not belong to the application's job")
    _touch(state, app, stage_id=target, job_ids=[job_id])
    return [("candidate_stage_change", application_payload(state, app))]


def reject_application(state: EmulatorState, app_id: int, body: Mapping[str, Any]) -> list[Change]:
    """``POST /applications/{id}/reject``: a rejection reason is required."""
    app = _active(state, app_id, candidates_only=False)
    reason = body.get("rejection_reason_id")
    if reason is None:
        raise invalid("rejection_reason_id", "Can't be blank")
    if reason not in state.tables["rejection_reasons"]:
        raise invalid("rejection_reason_id", "Rejection reason not found")
    _touch(state, app, status="rejected", rejected_at=state.now(), rejection_reason_id=reason)
    return [("reject_candidate", application_payload(state, app))]


def unreject_application(state: EmulatorState, app_id: int) -> list[Change]:
    """Back to active from rejected."""
    app = state.get("applications", app_id, what="Application")
    if app["status"] != "rejected":
        message = f"Application must be 'rejected', is currently '{app['status']}'"
        raise EmulatorError(422, "Validation error", [("", message)])
    _touch(state, app, status="active", rejected_at=None, rejection_reason_id=None)
    return [("unreject_candidate", application_payload(state, app))]


def hire_application(state: EmulatorState, app_id: int) -> list[Change]:
    """Hire: a hired application has no current stage."""
    app = _active(state, app_id)
    _touch(state, app, status="hired", hired_at=state.now(), stage_id=None)
    return [("hire_candidate", application_payload(state, app))]


def unhire_application(state: EmulatorState, app_id: int) -> list[Change]:
    """Revert a hire: back to active, on the job's last stage."""
    app = state.get("applications", app_id, what="Application")
    if app["status"] != "hired":
        raise invalid("status", f"Application must be 'hired', is '{app['status']}'")
    stages = job_stages(state, app["job_ids"][0])
    _touch(
        state, app, status="active", hired_at=None, stage_id=stages[-1]["id"] if stages else None
    )
    return [("unhire_candidate", application_payload(state, app))]


def convert_prospect(
    state: EmulatorState, app_id: int, body: Mapping[str, Any]
) -> tuple[Record, list[Change]]:
    """``POST /applications/{id}/convert_to_candidate``: the prospect app becomes ``converted``."""
    app = _active(state, app_id, candidates_only=False)
    if not app["prospect"]:
        raise invalid("application_id", "Only prospect applications can be converted")
    if body.get("job_id") is None:
        raise invalid("job_id", "Can't be blank")
    candidate = state.tables["candidates"][app["candidate_id"]]
    spec = {"job_id": body["job_id"], "initial_stage_id": body.get("to_job_interview_stage_id")}
    new = new_application(state, spec, candidate)
    _touch(state, app, status="converted")
    return new, [("new_candidate_application", application_payload(state, new))]


def delete_application(state: EmulatorState, app_id: int) -> list[Change]:
    """Delete a candidate application (prospect applications cannot be deleted)."""
    app = state.get("applications", app_id, what="Application")
    if app["prospect"]:
        raise invalid("application_id", "Prospect applications cannot be deleted")
    del state.tables["applications"][app_id]
    flat = {
        "id": app["id"],
        "candidate_id": app["candidate_id"],
        "job_id": app["job_ids"][0],
        "status": app["status"],
        "prospect": False,
    }
    return [("delete_application", {"application": flat})]
