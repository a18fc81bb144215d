"""Actions: what a rule asks for (the ``then:`` items) and the typed actions the evaluator returns.

In the file each action is a one-key mapping, the key naming the action::

    then:
      - set_status: applicant
      - set_crm: {candidate_status: applicant, last_application_job: "{application.job_name}"}
      - stop_nurture: {}

Text values may hold ``{path}`` placeholders, filled from the context when the rule fires.
The evaluator returns :data:`Action` values (a union discriminated by ``kind``, the same names as
the keys); the sync engine executes them. Their ``str()`` never shows personal values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hub.models import RelationshipStatus
from hub.rules.paths import is_personal

__all__ = [
    "Action",
    "ActionItem",
    "AddNote",
    "ChangeTags",
    "CreateProspect",
    "EmitEvent",
    "Nurture",
    "NurtureSpec",
    "ProspectSpec",
    "Scalar",
    "SetAtsFields",
    "SetCrmProperties",
    "SetStatus",
    "TagsSpec",
]

Scalar = str | bool | int | float | None


def _scalar(value: Any) -> Scalar:
    # One message instead of pydantic's one error per union member.
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise ValueError("expected a single value (text, number, true/false or null)")


# In the file: a scalar, checked with a single readable message.
ScalarValue = Annotated[Any, AfterValidator(_scalar)]
_REDACTED = "<redacted>"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TagsSpec(_Spec):
    """Tags to add or remove, per system."""

    crm: list[str] = Field(default_factory=list)
    ats: list[str] = Field(default_factory=list)


class ProspectSpec(_Spec):
    """A Greenhouse prospect to create from the CRM contact (and link to the person)."""

    jobs: list[str] = Field(default_factory=list)
    pool: str | None = None
    pool_stage: str | None = None
    referrer: str | None = "{person.referrer}"
    source: str | None = "{person.source}"


class NurtureSpec(_Spec):
    """Where nurture lives: a HubSpot property (default from settings) or a list."""

    property_: str | None = Field(default=None, alias="property")
    list_: str | None = Field(default=None, alias="list")


class ActionItem(_Spec):
    """One ``then:`` item: exactly one action key."""

    set_status: RelationshipStatus | None = None
    set_crm: dict[str, ScalarValue] | None = None
    set_ats: dict[str, ScalarValue] | None = None
    add_tags: TagsSpec | None = None
    remove_tags: TagsSpec | None = None
    create_prospect: ProspectSpec | None = None
    add_note: str | None = None
    enrol_nurture: NurtureSpec | None = None
    stop_nurture: NurtureSpec | None = None
    emit: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ActionItem:
        if len(self.model_fields_set) != 1:
            names = ", ".join(type(self).model_fields)
            raise ValueError(f"an action is a mapping with exactly one of: {names}")
        return self

    @property
    def key(self) -> str:
        """The action's key (``set_status``…)."""
        return next(iter(self.model_fields_set))


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def __repr__(self) -> str:
        # str() redacts personal values; repr() must not leak them into logs either.
        return f"{type(self).__name__}<{self}>"


class SetStatus(_Action):
    """Set the hub relationship status."""

    kind: Literal["set_status"] = "set_status"
    status: RelationshipStatus

    def __str__(self) -> str:
        return f"set_status {self.status.value}"


class SetCrmProperties(_Action):
    """Set CRM contact properties; ``clear_first`` empties them before setting (HubSpot rule)."""

    kind: Literal["set_crm"] = "set_crm"
    properties: dict[str, Scalar]
    clear_first: bool = False

    def __str__(self) -> str:
        clear = " (clear first)" if self.clear_first else ""
        return f"set_crm {_shown('crm', self.properties)}{clear}"


class SetAtsFields(_Action):
    """Set ATS candidate fields (custom fields)."""

    kind: Literal["set_ats"] = "set_ats"
    fields: dict[str, Scalar]

    def __str__(self) -> str:
        return f"set_ats {_shown('ats', self.fields)}"


class ChangeTags(_Action):
    """Add or remove tags on one system."""

    kind: Literal["add_tags", "remove_tags"]
    system: Literal["crm", "ats"]
    tags: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.kind} {self.system}: {', '.join(self.tags)}"


class CreateProspect(_Action):
    """Create a Greenhouse prospect from the CRM contact and link it to the person."""

    kind: Literal["create_prospect"] = "create_prospect"
    jobs: tuple[str, ...] = ()
    pool: str | None = None
    pool_stage: str | None = None
    referrer: str | None = Field(default=None, repr=False)
    source: str | None = None

    def __str__(self) -> str:
        parts = [f"jobs={list(self.jobs)}", f"pool={self.pool!r}", f"stage={self.pool_stage!r}"]
        if self.referrer:
            parts.append(f"referrer={_REDACTED}")
        return f"create_prospect {' '.join(parts)}"


class AddNote(_Action):
    """Add a note to the ATS candidate."""

    kind: Literal["add_note"] = "add_note"
    body: str = Field(repr=False)

    def __str__(self) -> str:
        return f"add_note ({len(self.body)} characters)"


class Nurture(_Action):
    """Enrol in or remove from nurture, by HubSpot property or list."""

    kind: Literal["enrol_nurture", "stop_nurture"]
    property: str | None = None
    list_: str | None = Field(default=None, alias="list")

    def __str__(self) -> str:
        where = f"list {self.list_!r}" if self.list_ else f"property {self.property!r}"
        return f"{self.kind} ({where})"


class EmitEvent(_Action):
    """Emit a named status-change event to outbound webhook subscribers.

    ``status`` is the status the firing rule moves the person to (their current one if it sets
    none); ``previous_status`` the one before.
    """

    kind: Literal["emit"] = "emit"
    event: str
    status: RelationshipStatus | None = None
    previous_status: RelationshipStatus | None = None

    def __str__(self) -> str:
        return f"emit {self.event}"


Action = Annotated[
    SetStatus
    | SetCrmProperties
    | SetAtsFields
    | ChangeTags
    | CreateProspect
    | AddNote
    | Nurture
    | EmitEvent,
    Field(discriminator="kind"),
]


def _shown(system: str, values: dict[str, Any]) -> str:
    shown = {
        k: (_REDACTED if is_personal(f"{system}.{k}") and v is not None else v)
        for k, v in values.items()
    }
    return repr(shown)
