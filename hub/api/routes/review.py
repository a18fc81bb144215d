"""The dedup review queue and the merge history in the admin API, under ``/api/v1``.

Approving a pair merges its two persons in the hub (reversible by a split); vendor records are
never merged from here. Payloads name persons by id and vendor record; the only personal data
is a person's name and company, which a reviewer needs to decide.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.deps import RowId, Service, require_admin
from hub.api.errors import ErrorBody
from hub.api.pagination import Limit, Offset
from hub.persons import (
    MergeError,
    MergeNotFoundError,
    ReviewNotFoundError,
    approve,
    list_merges,
    list_open,
    reject,
    split,
)
from hub.persons.vendor import VendorMerge, merge_in_vendors
from hub.store.dedup_tables import PersonMerge, ReviewPair
from hub.store.tables import Link, Person

router = APIRouter(
    prefix="/api/v1",
    tags=["review"],
    dependencies=[Depends(require_admin)],
    responses={code: {"model": ErrorBody} for code in (401, 404, 409, 422)},
)


class Decision(BaseModel):
    """Who decides (kept with the decision)."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(default="api", min_length=1, max_length=128)


class Approval(Decision):
    """Who approves, and whether to merge the person's duplicate vendor records too.

    HubSpot and Greenhouse cannot undo a merge, so it is only ever made when asked for here.
    """

    vendor_merge: bool = False


class VendorLink(BaseModel):
    """A vendor record linked to a person."""

    connection: str
    object_type: str
    external_id: str


class PersonSummary(BaseModel):
    """Enough of a person for a reviewer to decide: name, company, vendor records."""

    id: str
    name: str | None
    company: str | None
    links: list[VendorLink]


class ReviewPublic(BaseModel):
    """A pair of persons that may be one, with the scoring's evidence."""

    id: int
    score: float
    status: str
    people: list[PersonSummary]
    explanation: dict[str, Any]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    merge_id: int | None


class ReviewPage(BaseModel):
    """A page of open review pairs, the likeliest duplicates first."""

    items: list[ReviewPublic]
    total: int
    limit: int
    offset: int


class MergePublic(BaseModel):
    """One hub merge (``split_at`` set once it was undone)."""

    id: int
    survivor_id: str
    absorbed_id: str
    reason: str
    review_id: int | None
    created_at: datetime
    split_at: datetime | None


class MergesPage(BaseModel):
    """A page of merges, newest first."""

    items: list[MergePublic]
    total: int
    limit: int
    offset: int


class Approved(BaseModel):
    """An approved pair, the hub merge it made, and the vendor merges asked for."""

    review: ReviewPublic
    merge: MergePublic
    vendor_merges: list[VendorMerge] = Field(default_factory=list)


class Split(BaseModel):
    """An undone merge: vendor links restored to the absorbed person, and those now gone."""

    merge: MergePublic
    links_restored: int
    links_missing: int


@router.get("/review")
def list_review(hub: Service, limit: Limit = 50, offset: Offset = 0) -> ReviewPage:
    """Open review pairs with their explanations, the most likely duplicates first."""
    with hub.sessions() as session:
        rows, total = list_open(session, limit=limit, offset=offset)
        items = [_review(session, pair) for pair in rows]
    return ReviewPage(items=items, total=total, limit=limit, offset=offset)


@router.post("/review/{pair_id}/approve")
def approve_pair(pair_id: RowId, hub: Service, body: Approval | None = None) -> Approved:
    """Approve a pair: merge its persons in the hub (the older survives).

    With ``vendor_merge``, the person's duplicate records in each vendor are merged too.
    """
    decision = body or Approval()
    with hub.sessions.begin() as session:
        try:
            outcome = approve(
                session, pair_id, decision.by, hub.now(), connectors=hub.config.connector_names
            )
        except (ReviewNotFoundError, MergeError) as exc:
            raise _http(exc) from None
        merged = (
            merge_in_vendors(
                session,
                outcome.merge.survivor_id,
                config=hub.config,
                plugins=hub.plugins,
                now=hub.now(),
            )
            if decision.vendor_merge
            else []
        )
        pair = session.get(ReviewPair, pair_id)
        assert pair is not None
        return Approved(
            review=_review(session, pair),
            merge=_merge(outcome.merge),
            vendor_merges=merged,
        )


@router.post("/review/{pair_id}/reject")
def reject_pair(pair_id: RowId, hub: Service, body: Decision | None = None) -> ReviewPublic:
    """Reject a pair: different people; the pair is never proposed again."""
    by = (body or Decision()).by
    with hub.sessions.begin() as session:
        try:
            pair = reject(session, pair_id, by, hub.now())
        except (ReviewNotFoundError, MergeError) as exc:
            raise _http(exc) from None
        return _review(session, pair)


@router.get("/merges")
def list_merge_history(
    hub: Service, person_id: str | None = None, limit: Limit = 50, offset: Offset = 0
) -> MergesPage:
    """Hub merges, newest first, optionally of one person."""
    with hub.sessions() as session:
        rows, total = list_merges(session, limit=limit, offset=offset, person_id=person_id)
        items = [_merge(m) for m in rows]
    return MergesPage(items=items, total=total, limit=limit, offset=offset)


@router.post("/merges/{merge_id}/split")
def split_merge(merge_id: RowId, hub: Service) -> Split:
    """Undo a hub merge: both persons, their links, keys and provenance as before it."""
    with hub.sessions.begin() as session:
        try:
            outcome = split(session, merge_id, hub.now())
        except (MergeNotFoundError, MergeError) as exc:
            raise _http(exc) from None
        return Split(
            merge=_merge(outcome.merge),
            links_restored=outcome.links_restored,
            links_missing=outcome.links_missing,
        )


def _http(exc: Exception) -> HTTPException:
    # a missing pair or merge is 404; a decision the state does not allow is a conflict
    status = 404 if isinstance(exc, ReviewNotFoundError | MergeNotFoundError) else 409
    return HTTPException(status, str(exc))


def _review(session: Session, pair: ReviewPair) -> ReviewPublic:
    return ReviewPublic(
        id=pair.id,
        score=pair.score,
        status=pair.status,
        people=[_person(session, pair.person_a), _person(session, pair.person_b)],
        explanation=pair.explanation,
        created_at=pair.created_at,
        decided_by=pair.decided_by,
        decided_at=pair.decided_at,
        merge_id=pair.merge_id,
    )


def _person(session: Session, person_id: str) -> PersonSummary:
    person = session.get(Person, person_id)
    data = person.data if person is not None else {}
    name = " ".join(str(data[k]) for k in ("given_name", "family_name") if data.get(k))
    links = session.execute(
        select(Link.connection, Link.object_type, Link.external_id)
        .where(Link.person_id == person_id)
        .order_by(Link.id)
    )
    return PersonSummary(
        id=person_id,
        name=name or None,
        company=str(data["company"]) if data.get("company") else None,
        links=[VendorLink(connection=c, object_type=t, external_id=e) for c, t, e in links],
    )


def _merge(merge: PersonMerge) -> MergePublic:
    return MergePublic(
        id=merge.id,
        survivor_id=merge.survivor_id,
        absorbed_id=merge.absorbed_id,
        reason=merge.reason,
        review_id=merge.review_id,
        created_at=merge.created_at,
        split_at=merge.split_at,
    )
