"""The rules file format (``mappings/rules.yaml``): pydantic models, ``extra="forbid"`` throughout.

::

    version: 1
    settings: {exclude_confidential_jobs: true, withdrawal_reasons: [Candidate withdrew]}
    stages: [Application Review, Phone Screen, Onsite, Offer]   # known stage names
    crm_properties: [favourite_language]                        # the portal's own properties
    rules:
      - name: prospect applies
        when: {event: application_created}
        then: [{set_status: applicant}, {stop_nurture: {}}]
        stop: true

Rules run in file order; every rule whose ``when`` holds fires, unless an earlier one that fired
has ``stop: true``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from hub.rules.actions import ActionItem
from hub.rules.conditions import Condition
from hub.rules.triggers import TRIGGERS, suggest_trigger

__all__ = ["RuleSet", "RuleSpec", "Settings", "When", "parse_days"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|w)\s*$")
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}


def parse_days(value: Any) -> timedelta:
    """Parse an inactivity period: ``12h``, ``180d``, ``26w`` or a number of days.

    Kept here rather than borrowed from ``hub.config``, which would pull the plugin machinery into
    this pure package.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(days=value)
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(hours=float(match[1]) * _HOURS[match[2]])
    raise ValueError("expected a period such as 12h, 180d or 26w")


Period = Annotated[timedelta, BeforeValidator(parse_days)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class When(_Spec):
    """The trigger, its filter (property, list or inactivity period) and the conditions."""

    event: str
    property_: str | None = Field(default=None, alias="property")
    list_: str | None = Field(default=None, alias="list")
    no_activity_for: Period | None = None
    if_: Condition | None = Field(default=None, alias="if")

    @field_validator("event")
    @classmethod
    def _known_trigger(cls, value: str) -> str:
        if value not in TRIGGERS:
            raise ValueError(suggest_trigger(value))
        return value

    @property
    def is_unconditional(self) -> bool:
        """True when the rule fires on every event of its trigger (and filter)."""
        return self.if_ is None and self.no_activity_for is None


class RuleSpec(_Spec):
    """One transition rule."""

    name: str = Field(min_length=1)
    description: str = ""
    when: When
    then: list[ActionItem] = Field(min_length=1)
    stop: bool = False


class Settings(_Spec):
    """Rule-wide settings.

    Attributes:
        exclude_confidential_jobs: No rule fires for an application to a confidential job.
        withdrawal_reasons: Rejection reasons that mean the candidate withdrew.
        nurture_property: The HubSpot property that nurture actions set by default.
    """

    exclude_confidential_jobs: bool = True
    withdrawal_reasons: list[str] = Field(
        default_factory=lambda: ["Candidate withdrew", "Withdrew application"]
    )
    nurture_property: str = "hub_nurture"


class RuleSet(_Spec):
    """A whole rules file."""

    version: Literal[1] = 1
    settings: Settings = Field(default_factory=Settings)
    stages: list[str] = Field(default_factory=list)
    crm_properties: list[str] = Field(default_factory=list)
    rules: list[RuleSpec] = Field(default_factory=list)
