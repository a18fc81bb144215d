"""Transition rules: the rules file spec, conditions, and the evaluator (pure).

The sync engine builds a :class:`RuleContext` for each event, calls :func:`evaluate`, executes the
returned actions and stores the decisions. Nothing here reads the clock, the environment, files or
the network: loading a rules file is :func:`hub.rules_io.load_rules`.
"""

from __future__ import annotations

from hub.rules.actions import (
    Action,
    AddNote,
    ChangeTags,
    CreateProspect,
    EmitEvent,
    Nurture,
    SetAtsFields,
    SetCrmProperties,
    SetStatus,
)
from hub.rules.checks import Finding, check_rules
from hub.rules.context import ChainLink, RuleContext
from hub.rules.decisions import Decision, DroppedAction, Evaluation
from hub.rules.evaluator import evaluate
from hub.rules.spec import RuleSet, RuleSpec, Settings, When
from hub.rules.triggers import TRIGGERS, tick_event, trigger_for

__all__ = [
    "TRIGGERS",
    "Action",
    "AddNote",
    "ChainLink",
    "ChangeTags",
    "CreateProspect",
    "Decision",
    "DroppedAction",
    "EmitEvent",
    "Evaluation",
    "Finding",
    "Nurture",
    "RuleContext",
    "RuleSet",
    "RuleSpec",
    "SetAtsFields",
    "SetCrmProperties",
    "SetStatus",
    "Settings",
    "When",
    "check_rules",
    "evaluate",
    "tick_event",
    "trigger_for",
]
