"""What the evaluator decided, with reasons: the record the sync engine executes and logs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from hub.rules.actions import Action
from hub.rules.conditions import Match
from hub.rules.context import ChainLink

__all__ = ["Decision", "DroppedAction", "Evaluation", "Outcome"]

Outcome = Literal["fired", "skipped", "stopped", "excluded"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class DroppedAction(_Frozen):
    """An action a rule asked for but the evaluator withheld, and why.

    Reasons: ``opted_out`` (nurture for an opted-out person), ``consent_protected`` (a write that
    would loosen consent), ``unchanged`` (status already set), ``loop_detected``.
    """

    action: Action
    reason: str

    def __str__(self) -> str:
        return f"{self.action} [dropped: {self.reason}]"


class Decision(_Frozen):
    """One rule's outcome for one event.

    Attributes:
        rule: The rule's name (empty for evaluation-wide outcomes such as an excluded job).
        outcome: ``fired``; ``skipped`` (already fired in this chain); ``stopped`` (loop
            detected: nothing after it runs); ``excluded`` (confidential job).
        reason: Machine-readable reason (``matched``, ``already_fired_in_chain``,
            ``loop_detected``, ``confidential_job``).
        matched: The conditions that held, with the values seen.
        actions: The actions to execute (only when ``fired``).
        dropped: Actions withheld, with reasons.
        detail: Human-readable detail (e.g. the field that flipped).
    """

    rule: str
    outcome: Outcome
    reason: str
    matched: tuple[Match, ...] = ()
    actions: tuple[Action, ...] = ()
    dropped: tuple[DroppedAction, ...] = ()
    detail: str = ""

    def __str__(self) -> str:
        head = f"{self.outcome} {self.rule!r}" if self.rule else self.outcome
        lines = [f"{head}: {self.reason}" + (f" ({self.detail})" if self.detail else "")]
        lines += [f"  if {m}" for m in self.matched]
        lines += [f"  -> {a}" for a in self.actions]
        lines += [f"  xx {d}" for d in self.dropped]
        return "\n".join(lines)

    def log_record(self) -> dict[str, Any]:
        """The decision as JSON-ready data for the decision log, personal values redacted."""
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "reason": self.reason,
            "detail": self.detail,
            "matched": [
                {"condition": m.condition, "field": m.field, "actual": m.shown}
                for m in self.matched
            ],
            "actions": [str(a) for a in self.actions],
            "dropped": [{"action": str(d.action), "reason": d.reason} for d in self.dropped],
        }


class Evaluation(_Frozen):
    """Everything the rules decided for one event.

    Attributes:
        trigger: The normalised trigger evaluated.
        decisions: One per rule that matched (in file order), plus evaluation-wide outcomes.
        chain: The chain to pass in the context of events caused by executing these actions.
    """

    trigger: str
    decisions: tuple[Decision, ...] = ()
    chain: tuple[ChainLink, ...] = ()

    @property
    def actions(self) -> tuple[Action, ...]:
        """Every action to execute, in order."""
        return tuple(a for d in self.decisions if d.outcome == "fired" for a in d.actions)

    @property
    def fired(self) -> tuple[str, ...]:
        """Names of the rules that fired."""
        return tuple(d.rule for d in self.decisions if d.outcome == "fired")

    @property
    def loop_detected(self) -> bool:
        """Whether the loop guard stopped this evaluation."""
        return any(d.reason == "loop_detected" for d in self.decisions)

    def __str__(self) -> str:
        if not self.decisions:
            return f"{self.trigger}: no rule matched"
        body = "\n".join(str(d) for d in self.decisions)
        return f"{self.trigger}:\n" + "\n".join("  " + line for line in body.splitlines())
