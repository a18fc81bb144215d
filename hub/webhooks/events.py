"""The catalogue of outbound webhook events: one envelope, one data model per event type.

Payloads carry ids and links into both vendors, not records: a receiver that wants more reads
the vendor. The only personal data is ``PersonRefs.fields``, filled from a field set the
operator configures (``select_person_fields``). ``person_version`` lets a receiver drop a
stale event, since delivery order is not guaranteed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.models.person import RelationshipStatus

__all__ = [
    "EVENT_MODELS",
    "EVENT_TYPES",
    "ApplicationCreated",
    "ApplicationHired",
    "ApplicationRefs",
    "ApplicationRejected",
    "ApplicationStageChanged",
    "DedupReviewNeeded",
    "EventType",
    "PersonBecameApplicant",
    "PersonErased",
    "PersonHired",
    "PersonMerged",
    "PersonRefs",
    "PersonReturnedToNurture",
    "PersonStatusChanged",
    "StageRef",
    "SyncFailed",
    "VendorRecord",
    "WebhookEvent",
    "matches",
    "select_person_fields",
]

EventType = Literal[
    "person.status_changed",
    "person.became_applicant",
    "person.returned_to_nurture",
    "person.hired",
    "application.created",
    "application.stage_changed",
    "application.rejected",
    "application.hired",
    "person.merged",
    "person.erased",
    "dedup.review_needed",
    "sync.failed",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

FieldValue = str | int | float | bool | None


class _Payload(BaseModel):
    # Receivers see "from"/"to" on the wire; Python needs other attribute names.
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True
    )


class VendorRecord(_Payload):
    """One record in a vendor system: its id and, where known, a link to open it."""

    id: str
    url: str | None = None


class PersonRefs(_Payload):
    """Who an event is about.

    Attributes:
        id: The hub's person id.
        hubspot: The HubSpot contact.
        greenhouse: The Greenhouse candidate.
        fields: Personal fields from the operator's configured set; empty by default.
    """

    id: str
    hubspot: VendorRecord | None = None
    greenhouse: VendorRecord | None = None
    fields: dict[str, FieldValue] = Field(default_factory=dict)


class ApplicationRefs(_Payload):
    """Which application an event is about: hub id, the Greenhouse application and its job."""

    id: str
    greenhouse: VendorRecord | None = None
    hubspot: VendorRecord | None = None
    job: VendorRecord | None = None


class StageRef(_Payload):
    """An interview stage by vendor id and display name."""

    id: str | None = None
    name: str


class PersonStatusChanged(_Payload):
    """``person.status_changed``: the hub moved a person to another relationship status."""

    person: PersonRefs
    from_status: RelationshipStatus | None = Field(alias="from")
    to_status: RelationshipStatus = Field(alias="to")
    rule: str


class PersonBecameApplicant(_Payload):
    """``person.became_applicant``: a nurtured person applied."""

    person: PersonRefs
    application: ApplicationRefs | None = None


class PersonReturnedToNurture(_Payload):
    """``person.returned_to_nurture``: a person left the pipeline and is nurtured again."""

    person: PersonRefs
    rule: str


class PersonHired(_Payload):
    """``person.hired``: a person was hired."""

    person: PersonRefs
    application: ApplicationRefs


class ApplicationCreated(_Payload):
    """``application.created``: a person applied to a job."""

    application: ApplicationRefs
    person: PersonRefs


class ApplicationStageChanged(_Payload):
    """``application.stage_changed``: an application moved between interview stages."""

    application: ApplicationRefs
    person: PersonRefs
    from_stage: StageRef | None = Field(alias="from")
    to_stage: StageRef = Field(alias="to")


class ApplicationRejected(_Payload):
    """``application.rejected``: an application was rejected."""

    application: ApplicationRefs
    person: PersonRefs
    reason: str | None = None


class ApplicationHired(_Payload):
    """``application.hired``: an application ended in a hire."""

    application: ApplicationRefs
    person: PersonRefs


class PersonMerged(_Payload):
    """``person.merged``: duplicates were merged into ``person``; ``merged`` are gone."""

    person: PersonRefs
    merged: tuple[PersonRefs, ...] = Field(min_length=1)


class PersonErased(_Payload):
    """``person.erased``: a person was erased; receivers should erase their copy too."""

    person: PersonRefs


class DedupReviewNeeded(_Payload):
    """``dedup.review_needed``: possible duplicates wait for a human decision."""

    review_id: str
    people: tuple[PersonRefs, ...] = Field(min_length=2)
    score: float = Field(ge=0.0, le=1.0)


class SyncFailed(_Payload):
    """``sync.failed``: a record could not be synced and will not be retried automatically.

    Attributes:
        connection: The connection's configured name.
        object_type: The connector's object type.
        external_id: The vendor id of the record, if known.
        error: The error class, e.g. ``ConflictError``.
        message: The error message (never contains personal data).
        person: The person concerned, if any.
    """

    connection: str
    object_type: str
    external_id: str | None = None
    error: str
    message: str
    person: PersonRefs | None = None


EventData = (
    PersonStatusChanged
    | PersonBecameApplicant
    | PersonReturnedToNurture
    | PersonHired
    | ApplicationCreated
    | ApplicationStageChanged
    | ApplicationRejected
    | ApplicationHired
    | PersonMerged
    | PersonErased
    | DedupReviewNeeded
    | SyncFailed
)

EVENT_MODELS: Mapping[str, type[_Payload]] = {
    "person.status_changed": PersonStatusChanged,
    "person.became_applicant": PersonBecameApplicant,
    "person.returned_to_nurture": PersonReturnedToNurture,
    "person.hired": PersonHired,
    "application.created": ApplicationCreated,
    "application.stage_changed": ApplicationStageChanged,
    "application.rejected": ApplicationRejected,
    "application.hired": ApplicationHired,
    "person.merged": PersonMerged,
    "person.erased": PersonErased,
    "dedup.review_needed": DedupReviewNeeded,
    "sync.failed": SyncFailed,
}


class WebhookEvent(_Payload):
    """The envelope every delivery carries.

    Attributes:
        id: The message id, also sent as ``webhook-id``; the same for every retry and replay.
        type: The event type; decides the model of ``data``.
        version: The payload schema version of this event type.
        occurred_at: When the change happened in the hub.
        person_version: The person's version after the change, for dropping stale events.
        data: The event's payload.
    """

    id: str
    type: EventType
    version: int = Field(default=1, ge=1)
    occurred_at: datetime
    person_version: int | None = Field(default=None, ge=0)
    data: EventData

    @model_validator(mode="before")
    @classmethod
    def _data_by_type(cls, raw: Any) -> Any:
        # Several payloads share a shape, so pick the model from `type`, never by trial.
        if isinstance(raw, dict) and isinstance(raw.get("data"), dict):
            model = EVENT_MODELS.get(str(raw.get("type")))
            if model is not None:
                return {**raw, "data": model.model_validate(raw["data"])}
        return raw

    @model_validator(mode="after")
    def _type_matches_data(self) -> WebhookEvent:
        if not isinstance(self.data, EVENT_MODELS[self.type]):
            raise ValueError(f"data of a {self.type} event must be {EVENT_MODELS[self.type]}")
        return self


def matches(event_filter: str, event_type: str) -> bool:
    """Whether a subscription's event filter selects an event type.

    ``*`` as the last segment matches one or more remaining segments (``application.*``,
    ``*``); elsewhere it matches exactly one (``*.hired``).

    Args:
        event_filter: A filter such as ``person.hired``, ``application.*`` or ``*``.
        event_type: An event type such as ``application.stage_changed``.

    Returns:
        ``True`` if the filter selects the type.
    """
    wanted, actual = event_filter.split("."), event_type.split(".")
    if wanted[-1] == "*":
        head = wanted[:-1]
        return len(actual) > len(head) and _segments_match(head, actual[: len(head)])
    return len(wanted) == len(actual) and _segments_match(wanted, actual)


def _segments_match(wanted: list[str], actual: list[str]) -> bool:
    return all(w in ("*", a) for w, a in zip(wanted, actual, strict=True))


def select_person_fields(
    values: Mapping[str, FieldValue], allowed: Iterable[str]
) -> dict[str, FieldValue]:
    """Keep only the personal fields the operator allowed in webhook payloads.

    Args:
        values: The person's field values, by canonical field name.
        allowed: The configured field set (empty by default: no personal data).

    Returns:
        The allowed fields present in ``values``, for ``PersonRefs.fields``.
    """
    return {name: values[name] for name in allowed if name in values}
