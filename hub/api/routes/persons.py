"""Persons in the admin API: look one up by id or email, with links, fields and rule timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from hub.api.deps import Service, require_admin
from hub.api.errors import ErrorBody
from hub.sync.person_view import PersonView, find_person, person_view

router = APIRouter(
    prefix="/api/v1",
    tags=["persons"],
    dependencies=[Depends(require_admin)],
    responses={code: {"model": ErrorBody} for code in (401, 404, 422)},
)

Timeline = Annotated[int, Query(ge=1, le=1000, description="Newest rule outcomes to include.")]


@router.get("/persons/lookup")
def lookup_person(
    hub: Service,
    email: Annotated[str, Query(min_length=3, max_length=320, description="An email address.")],
    timeline: Timeline = 200,
) -> PersonView:
    """The person with this email (Gmail dots and +tags are one address)."""
    with hub.sessions() as session:
        person_id = find_person(session, email if "@" in email else f"{email}@")
        view = person_view(session, person_id, limit=timeline) if person_id else None
    if view is None:
        raise HTTPException(404, "no person has this email")
    return view


@router.get("/persons/{person_id}")
def get_person(person_id: str, hub: Service, timeline: Timeline = 200) -> PersonView:
    """A person: vendor links, golden fields with provenance, and the rule timeline."""
    with hub.sessions() as session:
        view = person_view(session, person_id, limit=timeline)
    if view is None:
        raise HTTPException(404, f"no person {person_id!r}")
    return view
