"""The mapping file format: pydantic models of one YAML mapping (``extra="forbid"`` throughout).

A mapping file describes one vendor object type (``hubspot`` ``contact``) and the canonical
model it maps to (``person`` or ``application``)::

    connector: hubspot
    object_type: contact
    canonical: person
    tables:                       # value tables, referenced by the ``map`` transform
      status: {values: {hired: hired}, default: prospect}
    sync:                         # per canonical field: who wins in a conflict
      given_name: latest
      owner: {owner: crm}
    inbound:                      # vendor → canonical
      - {to: given_name, from: properties.firstname, transforms: [strip]}
    outbound:                     # canonical → vendor
      - {to: properties.firstname, from: given_name}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Condition",
    "FieldRule",
    "MappingSpec",
    "OwnerPolicy",
    "Rule",
    "SyncPolicyName",
    "TableSpec",
    "TransformItem",
]

# ``lower``, ``{join: {sep: ";"}}`` or the one-parameter shorthand ``{phone_e164: GB}``; the
# compiler checks the shape, so that its messages name the transform rather than a union member.
TransformItem = Any
SyncPolicyName = Literal["latest", "fill_if_empty", "never"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(_Spec):
    """When a rule applies: a path (read on the rule's source) compared to values.

    Exactly one of ``equals``, ``not_equals``, ``in`` or ``present`` is given.
    """

    path: str
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    present: bool | None = None


class FieldRule(_Spec):
    """Where one value comes from and how it is transformed.

    Exactly one source: ``from`` (a path), ``value`` (a constant) or ``template`` (text with
    ``{path}`` placeholders). Inside ``fields:`` an absent source means the element itself.
    """

    from_: str | None = Field(default=None, alias="from")
    value: Any = None
    template: str | None = None
    transforms: list[TransformItem] = Field(default_factory=list)
    when: Condition | None = None


class Rule(FieldRule):
    """One mapping rule: a target path, a source, and optionally item ``fields``.

    ``to`` ending in ``[]`` appends one item per source value; ``fields`` builds each item as
    an object, one sub-rule per item field (its paths relative to the source element).
    """

    to: str
    fields: dict[str, FieldRule] | None = None


class TableSpec(_Spec):
    """A value table: exact values (matched case-insensitively) and a required default."""

    values: dict[str, Any]
    default: Any


class OwnerPolicy(_Spec):
    """The field belongs to one system: its value wins in a conflict."""

    owner: Literal["crm", "ats"]


class MappingSpec(_Spec):
    """One mapping file."""

    version: Literal[1] = 1
    connector: str
    object_type: str
    # The connector object type whose schema describes the records, when it differs from
    # ``object_type`` (a Greenhouse prospect is read as a candidate).
    record_type: str | None = None
    canonical: Literal["person", "application"]
    description: str = ""
    tables: dict[str, TableSpec] = Field(default_factory=dict)
    # ``latest``, ``fill_if_empty``, ``never`` or ``{owner: crm|ats}``; checked by the compiler
    # for the same reason as transforms.
    sync: dict[str, Any] = Field(default_factory=dict)
    inbound: list[Rule] = Field(default_factory=list)
    outbound: list[Rule] = Field(default_factory=list)
