"""The guard: an automatic link needs strong evidence and no conflicting strong identifier.

A high score alone never auto-links: common names at one employer, or a shared agency inbox,
can add up to a high score between two different people. The guard asks for a shared strong
identifier (email that is not a shared inbox, phone, profile URL) or exact agreement on a whole
combination (full name plus company), and refuses when a conflict field (two different LinkedIn
profiles) says the records are different people.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.dedup.comparators import EXACT, level_names
from hub.dedup.spec import MatchSpec, split_part


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """Whether a pair may be linked automatically, and why.

    Attributes:
        allows_auto: True when there is strong evidence and no conflict.
        evidence: Names of the strong evidence found (``"email"``, ``"given_name+company"``).
        conflicts: Conflict fields whose values differ.
        reason: One human sentence for the explanation.
    """

    allows_auto: bool
    evidence: tuple[str, ...]
    conflicts: tuple[str, ...]
    reason: str


class Guard:
    """Evaluates the guard on comparison patterns (one level per field).

    Args:
        spec: The match spec; guard fields are resolved to pattern positions once.
    """

    def __init__(self, spec: MatchSpec) -> None:
        names = list(spec.fields)
        self._strong = [(n, names.index(n)) for n in spec.guard.strong]
        self._combos = [
            ("+".join(c), [(names.index(n), level or EXACT) for n, level in map(split_part, c)])
            for c in spec.guard.combos
        ]
        # Without any evidence rule configured, the score alone decides (conflicts still apply).
        self._needs_evidence = bool(spec.guard.strong or spec.guard.combos)
        self._conflicts = [
            (n, names.index(n), len(level_names(spec.fields[n]))) for n in spec.guard.conflicts
        ]

    def check(self, pattern: tuple[int, ...]) -> GuardVerdict:
        """Check one comparison pattern.

        Args:
            pattern: The level of each field, in spec order.

        Returns:
            The verdict with its reason.
        """
        evidence = [name for name, i in self._strong if pattern[i] == EXACT]
        evidence += [
            name
            for name, parts in self._combos
            if all(EXACT <= pattern[i] <= level for i, level in parts)
        ]
        # The last level of a field is "different": both sides have values, none shared.
        conflicts = [name for name, i, last in self._conflicts if pattern[i] == last]
        if conflicts:
            reason = f"conflicting {', '.join(conflicts)} blocks an automatic link"
        elif evidence:
            reason = f"strong evidence: shared {', '.join(evidence)}"
        elif not self._needs_evidence:
            reason = "no guard evidence rules configured"
        else:
            reason = "no strong evidence (needs a shared identifier or full name plus company)"
        return GuardVerdict(
            allows_auto=(bool(evidence) or not self._needs_evidence) and not conflicts,
            evidence=tuple(evidence),
            conflicts=tuple(conflicts),
            reason=reason,
        )
