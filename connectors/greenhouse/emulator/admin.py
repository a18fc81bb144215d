"""``/_emulator/…``: inspect and reset the emulator, tune it, and act as a recruiter would.

Recruiter actions fire the same webhooks as the API does, so tests and demos can simulate
someone clicking in Greenhouse.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request

from connectors.greenhouse.emulator import applications as apps
from connectors.greenhouse.emulator import people
from connectors.greenhouse.emulator.gate import Knobs
from connectors.greenhouse.emulator.routes import json_body
from connectors.greenhouse.emulator.runtime import GreenhouseEmulator
from connectors.greenhouse.emulator.state import invalid

__all__ = ["admin_router"]

KNOB_NAMES = frozenset(f.name for f in dataclasses.fields(Knobs))


def _emulator(request: Request) -> GreenhouseEmulator:
    emulator: GreenhouseEmulator = request.app.state.emulator
    return emulator


def _check_knob(knobs: Knobs, name: str, value: Any) -> None:
    current = getattr(knobs, name)
    if current is None or value is None:
        if value is not None and not isinstance(value, str):
            raise invalid(name, "Must be a string or null")
        return
    expected: tuple[type, ...] = (int, float) if isinstance(current, float) else (type(current),)
    if not isinstance(value, expected) or (
        isinstance(value, bool) and not isinstance(current, bool)
    ):
        raise invalid(name, f"Must be of type {type(current).__name__}")


def _summary(emulator: GreenhouseEmulator) -> dict[str, Any]:
    states = [d["state"] for d in emulator.outbox.snapshot()]
    return {
        "seed": emulator.seed,
        "people": emulator.people,
        "counts": emulator.state.counts(),
        "settings": dataclasses.asdict(emulator.gate.knobs),
        "counters": dict(emulator.gate.counters),
        "webhooks": {s: states.count(s) for s in ("pending", "delivered", "failed")},
    }


def _candidate_routes(router: APIRouter) -> None:
    @router.post("/_emulator/candidates", status_code=201)
    async def create_candidate(request: Request) -> Any:
        """A recruiter adds a candidate (``applications: [{job_id}]`` to apply at once)."""
        body, em = await json_body(request), _emulator(request)
        return em.apply(lambda: people.create_person(em.state, body, prospect=False))

    @router.patch("/_emulator/candidates/{candidate_id}")
    async def edit_candidate(candidate_id: int, request: Request) -> Any:
        body, em = await json_body(request), _emulator(request)
        return em.apply(lambda: people.patch_candidate(em.state, candidate_id, body))

    @router.post("/_emulator/candidates/{candidate_id}/applications", status_code=201)
    async def add_application(candidate_id: int, request: Request) -> Any:
        body, em = await json_body(request), _emulator(request)
        spec = {**body, "candidate_id": candidate_id}
        return em.apply(lambda: apps.add_application(em.state, spec))

    @router.post("/_emulator/candidates/merge", status_code=204)
    async def merge(request: Request) -> None:
        body, em = await json_body(request), _emulator(request)
        primary, duplicate = body.get("primary_candidate_id"), body.get("duplicate_candidate_id")
        if not isinstance(primary, int) or not isinstance(duplicate, int):
            raise invalid("primary_candidate_id", "Both candidate ids are required")
        em.apply(lambda: (None, people.merge_candidates(em.state, primary, duplicate)))

    @router.delete("/_emulator/candidates/{candidate_id}", status_code=204)
    async def delete(candidate_id: int, request: Request) -> None:
        em = _emulator(request)
        em.apply(lambda: (None, people.delete_candidate(em.state, candidate_id)))

    @router.post("/_emulator/candidates/{candidate_id}/anonymize", status_code=204)
    async def anonymize(candidate_id: int, request: Request) -> None:
        body, em = await json_body(request), _emulator(request)
        fields = list(body.get("fields") or ["full_name", "email_addresses", "phone_numbers"])
        em.apply(lambda: (None, people.anonymize_candidate(em.state, candidate_id, fields)))


def _application_routes(router: APIRouter) -> None:
    @router.post("/_emulator/applications/{application_id}/{verb}", status_code=204)
    async def act(application_id: int, verb: str, request: Request) -> None:
        body, em = await json_body(request), _emulator(request)
        state = em.state
        app = state.get("applications", application_id, what="Application")
        if verb == "move":
            # A recruiter moves from wherever the application is: no guard to satisfy.
            spec = {**body, "from_stage_id": app["stage_id"]}
            em.apply(lambda: (None, apps.move_application(state, application_id, spec)))
        elif verb == "reject":
            reason = body.get("rejection_reason_id") or next(
                iter(state.tables["rejection_reasons"])
            )
            spec = {**body, "rejection_reason_id": reason}
            em.apply(lambda: (None, apps.reject_application(state, application_id, spec)))
        elif verb == "unreject":
            em.apply(lambda: (None, apps.unreject_application(state, application_id)))
        elif verb == "hire":
            em.apply(lambda: (None, apps.hire_application(state, application_id)))
        elif verb == "unhire":
            em.apply(lambda: (None, apps.unhire_application(state, application_id)))
        else:
            raise invalid("verb", "Must be one of: move, reject, unreject, hire, unhire")

    @router.delete("/_emulator/applications/{application_id}", status_code=204)
    async def delete(application_id: int, request: Request) -> None:
        em = _emulator(request)
        em.apply(lambda: (None, apps.delete_application(em.state, application_id)))


def admin_router() -> APIRouter:
    """The ``/_emulator`` routes."""
    router = APIRouter()

    @router.get("/_emulator/state")
    async def state(request: Request) -> dict[str, Any]:
        return _summary(_emulator(request))

    @router.post("/_emulator/reset")
    async def reset(request: Request) -> dict[str, Any]:
        body, em = await json_body(request), _emulator(request)
        em.reset(seed=body.get("seed"), people=body.get("people"))
        return _summary(em)

    @router.post("/_emulator/settings")
    async def settings(request: Request) -> dict[str, Any]:
        body, em = await json_body(request), _emulator(request)
        unknown = set(body) - KNOB_NAMES
        if unknown:
            raise invalid(sorted(unknown)[0], f"Must be one of: {', '.join(sorted(KNOB_NAMES))}")
        for name, value in body.items():
            _check_knob(em.gate.knobs, name, value)
        for name, value in body.items():
            setattr(em.gate.knobs, name, value)
        return _summary(em)

    @router.post("/_emulator/tokens/expire", status_code=204)
    async def expire_tokens(request: Request) -> None:
        # Lets tests expire every token mid-paging, before the client expects it.
        gate = _emulator(request).gate
        with gate.lock:
            gate.tokens.clear()

    @router.get("/_emulator/webhooks")
    async def webhooks(request: Request) -> list[dict[str, Any]]:
        return _emulator(request).outbox.snapshot()

    _candidate_routes(router)
    _application_routes(router)
    return router
