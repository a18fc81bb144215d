"""Tables of the transition rules: what the hub last saw of each record, and the decision log.

``record_states`` holds, per vendor record the rules watch (applications, CRM contacts), the
few values whose change makes an event (status, stage, watched properties); comparing a record
with its state is how a polled change becomes a rule trigger. ``rule_decisions`` is the
decision log: every rule outcome with the event, the conditions that matched and the actions;
``rule_actions`` are the vendor actions those decisions ask for, written as ``pending`` in the
decision's own transaction and executed through the write ledger afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base

__all__ = ["RecordState", "RuleAction", "RuleDecision"]


class RecordState(Base):
    """The rule-relevant values of one vendor record as the hub last saw them."""

    __tablename__ = "record_states"

    connection: Mapped[str] = mapped_column(String(64), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class RuleDecision(Base):
    """One rule outcome for one event of one person (personal values redacted)."""

    __tablename__ = "rule_decisions"
    __table_args__ = (Index("ix_rule_decisions_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(32))
    pair: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(64))
    event: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rule: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    matched: Mapped[list[Any]] = mapped_column(JSON, default=list)
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    dropped: Mapped[list[Any]] = mapped_column(JSON, default=list)
    at: Mapped[datetime]


class RuleAction(Base):
    """One vendor action a fired rule asked for, and how executing it went.

    ``status``: ``pending`` (to execute), ``done``, ``failed`` (the vendor refused; ``result``
    says why) or ``skipped`` (nothing to do, e.g. the person is already in the ATS).
    """

    __tablename__ = "rule_actions"
    __table_args__ = (Index("ix_rule_actions_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("rule_decisions.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(32))
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
