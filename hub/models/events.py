"""Change events: what a vendor told us changed, at the level of ids."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from hub.models.base import CanonicalModel

ChangeKind = Literal[
    "created",
    "updated",
    "deleted",
    "merged",
    "restored",
    "erased",
    "stage_changed",
    "rejected",
    "unrejected",
    "hired",
    "unhired",
    "converted",
    "association_changed",
    "ping",
]


class ChangeEvent(CanonicalModel):
    """One id-level change reported by a vendor (a webhook or a poll).

    Events carry ids, not record bodies: the sync engine re-reads the record, so a late or
    repeated event can never write stale data.

    Attributes:
        object_type: The connector's object type (``candidate``, ``application``, ``contact``).
        external_id: The vendor id of the changed record.
        kind: What happened.
        occurred_at: When the vendor says it happened.
        dedupe_key: Key that identifies a repeated delivery of the same event.
        action: The vendor's own name for the event (``candidate_stage_change``).
        property_name: For property-change events, the property.
        related_ids: Other records involved, e.g. the merged-away ids of a merge, or the
            candidate of an application.
    """

    object_type: str
    external_id: str
    kind: ChangeKind
    occurred_at: datetime
    dedupe_key: str
    action: str = ""
    property_name: str | None = None
    related_ids: dict[str, str] = Field(default_factory=dict)
