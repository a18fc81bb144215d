"""What a rule sees: the event, the person and their application, job and vendor records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from hub.models import Application, CanonicalModel, ChangeEvent, Job, Person, RelationshipStatus
from hub.models.job import Stage

__all__ = ["ChainLink", "RuleContext"]


class ChainLink(CanonicalModel):
    """One rule that fired earlier in this chain of events, and what it wrote.

    Attributes:
        rule: The rule's name.
        writes: ``(field, value digest)`` pairs the rule's actions write (see
            :mod:`hub.rules.loopguard`); digests, so that no personal value travels in the chain.
    """

    rule: str
    writes: tuple[tuple[str, str], ...] = ()


class RuleContext(CanonicalModel):
    """The evaluation input for one event. Built by the sync engine (or the dry run).

    Attributes:
        trigger: The normalised trigger (see :func:`hub.rules.triggers.trigger_for`).
        event: The vendor change event.
        person: The canonical person.
        application: The application the event is about, if any.
        job: The application's job with its stages, if known.
        crm: The CRM record's properties (HubSpot values as strings).
        ats: The ATS record's fields (custom fields, ``tags``, ``active_applications``…).
        previous_status: The relationship status before this event.
        last_activity_at: The person's last activity, for ``no_activity_for``.
        now: The evaluation time (never read from the clock).
        chain: Rules already fired in this chain of events, for the loop guard.
    """

    trigger: str
    event: ChangeEvent
    person: Person
    application: Application | None = None
    job: Job | None = None
    crm: dict[str, Any] = Field(default_factory=dict)
    ats: dict[str, Any] = Field(default_factory=dict)
    previous_status: RelationshipStatus | None = None
    last_activity_at: datetime | None = None
    now: datetime
    chain: tuple[ChainLink, ...] = ()

    @property
    def current_stage(self) -> Stage | None:
        """The application's current stage within the job, matched by id, then by name."""
        if self.application is None or self.job is None:
            return None
        for stage in self.job.stages:
            if self.application.stage_id and stage.id == self.application.stage_id:
                return stage
        name = (self.application.stage_name or "").casefold()
        return next((s for s in self.job.stages if s.name.casefold() == name), None)

    def stage_named(self, name: str) -> Stage | None:
        """The job's stage called ``name`` (case-insensitive), if any."""
        if self.job is None:
            return None
        return next((s for s in self.job.stages if s.name.casefold() == name.casefold()), None)
