"""The scored matcher: identity resolution for the sync with the dedup engine's match config.

It implements :class:`hub.sync.identity.Matcher`. An incoming vendor record (already mapped to
a canonical person) is scored against the hub's persons through the dedup blocking index, so
matching one record costs a few key lookups and comparisons, never a scan:

- at or above ``thresholds.auto`` with the guard's consent (strong shared evidence, no conflicting
  identifier), the record belongs to that person;
- between ``review`` and ``auto`` (or several persons above ``auto``), it becomes a new person
  and the pair goes to the review queue (:func:`hub.persons.propose`) as soon as the sync
  :meth:`ScoredMatcher.remember` s the new person's id;
- below ``review``, it is a new person.

The index is loaded once from the persons' golden records (absorbed and erased persons left
out) and kept up to date by ``remember``; persons merged away or erased later are checked for
among a record's candidates only. The identity keys of :class:`EmailMatcher` are still
written, so the store's ``person_keys`` stay complete whichever matcher runs. It is also a
:class:`hub.sync.identity.BatchMatcher`: in the sync's batch path the review proposals (which
name persons the batch inserts at its end) and keys are written by the batch's ``save``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.dedup.comparators import level_names
from hub.dedup.matcher import Matcher as BlockMatcher
from hub.dedup.records import NormRecord, RawValue, RecordNormaliser, person_fields
from hub.dedup.scan import Scan, fixed_weights
from hub.dedup.scoring import Decision, Outcome
from hub.dedup.spec import FieldSpec, MatchSpec
from hub.dedup.weights import FieldWeights, Weights
from hub.models import Person as HubPerson
from hub.persons.labels import labelled_pairs, spec_with_labels
from hub.persons.merge import absorbed_ids
from hub.persons.review import explanation_of, propose
from hub.store.tables import Person
from hub.sync.identity import BatchMatcher, EmailMatcher, MatchBatch

__all__ = ["ScoredMatcher", "golden_fields", "starting_weights"]

Fields = dict[str, list[str]]
# A record matched as new, with the candidates to propose once it has a person id.
_Pending = tuple[HubPerson, list[Decision]] | None

# P(two different people agree exactly) by normaliser, for the starting weights of a hub too
# small to estimate from: identifiers almost never collide, names and companies often do.
_U_EXACT = {
    "email": 1e-6, "phone": 1e-6, "linkedin": 1e-6, "github": 1e-6, "given_name": 0.02,
    "family_name": 0.005, "company": 0.01,
}  # fmt: skip
_STARTING_PRIOR = 1e-3


def starting_weights(spec: MatchSpec) -> Weights:
    """Conservative weights for a hub with too few persons to estimate them from.

    Exact agreement is strong (identifiers far more than names), a difference counts
    against, intermediate levels (fuzzy names, a shared weak inbox) count little. Fields with
    ``m``/``u`` in the config keep them.

    Args:
        spec: The match spec.

    Returns:
        Weights for every field of the spec.
    """
    return Weights(
        prior=spec.estimation.prior or _STARTING_PRIOR,
        fields=tuple(_starting_field(name, field) for name, field in spec.fields.items()),
    )


def _starting_field(name: str, field: FieldSpec) -> FieldWeights:
    levels = level_names(field)
    middle = len(levels) - 2
    u_exact = _U_EXACT.get(field.normalise, 0.01)
    m = [0.85, *([0.1 / middle] * middle), 0.05] if middle else [0.95, 0.05]
    u_middle = [min(0.05, u_exact * 20)] * middle
    u = [u_exact, *u_middle, 1.0 - u_exact - sum(u_middle)]
    return FieldWeights(
        name=name,
        levels=levels,
        m=field.m or tuple(m),
        u=field.u or tuple(u),
    )


def golden_fields(data: Mapping[str, Any]) -> Fields:
    """A stored golden record (flat field paths) as raw match fields, like ``person_fields``.

    Read straight from the JSON, without validating a canonical model: loading the index reads
    every person.

    Args:
        data: ``persons.data``.

    Returns:
        Field name → raw values.
    """

    def items(path: str, key: str) -> list[dict[str, Any]]:
        value = data.get(path) or []
        return [v for v in value if isinstance(v, dict) and isinstance(v.get(key), str)]

    def links(kind: str) -> list[str]:
        return [v["url"] for v in items("links", "url") if v.get("kind") == kind]

    def scalar(path: str) -> list[str]:
        value = data.get(path)
        return [value] if isinstance(value, str) and value else []

    return {
        "email": [v["address"] for v in items("emails", "address")],
        "phone": [v["number"] for v in items("phones", "number")],
        "linkedin": links("linkedin"),
        "github": links("github"),
        "given_name": scalar("given_name"),
        "family_name": scalar("family_name"),
        "company": scalar("company"),
    }


class ScoredMatcher:
    """Matches vendor records to hub persons by score, guard and thresholds.

    Build it with :meth:`load` (index from the store). ``match`` and ``remember`` follow
    :class:`hub.sync.identity.Matcher`; the sync calls ``remember`` for every record it links,
    right after ``match`` for a new one.

    Args:
        spec: The match spec (``mappings/match.persons.yaml``).
        weights: The weights to score with.
        now: Wall clock (for review pairs).
        connectors: Connection name → connector name, to name vendor records in events.
    """

    def __init__(
        self,
        spec: MatchSpec,
        weights: Weights,
        *,
        now: Callable[[], datetime],
        connectors: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.weights = weights
        self._index = BlockMatcher(spec, weights)
        self._keys = EmailMatcher()
        self._now = now
        self._connectors = dict(connectors or {})
        self._pending: _Pending = None
        self._normaliser = RecordNormaliser(spec)
        # each person's normalised record, so a new record of it extends it without a query
        self._known: dict[str, NormRecord] = {}

    @classmethod
    def load(
        cls,
        session: Session,
        spec: MatchSpec,
        *,
        now: Callable[[], datetime],
        weights: Weights | None = None,
        connectors: Mapping[str, str] | None = None,
        min_records_to_estimate: int = 1000,
        min_labels: int = 30,
    ) -> ScoredMatcher:
        """Build the index over the store's persons (absorbed and erased ones left out).

        Weights: those given, else those fixed in the spec, else estimated from the persons
        (as ``hub dedupe scan`` does) when there are at least ``min_records_to_estimate`` of
        them, else :func:`starting_weights`. Review decisions feed in: a field with at least
        ``min_labels`` approved pairs gets its ``m`` from them (:func:`spec_with_labels`).
        """
        labels = labelled_pairs(session)
        if labels:
            spec = spec_with_labels(spec, labels, min_labels=min_labels)
        gone = absorbed_ids(session)
        rows = session.execute(
            select(Person.id, Person.data)
            .where(Person.erased_at.is_(None))
            .execution_options(yield_per=5000)
        )
        records = [(pid, golden_fields(data or {}), "") for pid, data in rows if pid not in gone]
        weights = weights or fixed_weights(spec)
        if weights is None and len(records) >= min_records_to_estimate:
            scan = Scan(spec)
            scan.normalise(records)
            scan.block()
            scan.compare()
            weights = scan.estimate()
            matcher = cls(spec, weights, now=now, connectors=connectors)
            for record_id, record in zip(scan.ids, scan.records, strict=True):
                matcher._add(record_id, record)
            return matcher
        matcher = cls(spec, weights or starting_weights(spec), now=now, connectors=connectors)
        matcher.add_all((pid, fields) for pid, fields, _ in records)
        return matcher

    def __len__(self) -> int:
        """Number of persons indexed."""
        return len(self._index)

    def add_all(self, persons: Iterable[tuple[str, Mapping[str, RawValue]]]) -> None:
        """Index persons given as ``(person id, raw match fields)``."""
        for person_id, fields in persons:
            self._add(person_id, self._normaliser.normalise(fields))

    def _add(self, person_id: str, record: NormRecord) -> None:
        self._known[person_id] = record
        self._index.add_normalised(person_id, record)

    def match(self, session: Session, person: HubPerson) -> str | None:
        """The one person this record is by score and guard, else ``None`` (a new person).

        Candidates for review are kept until :meth:`remember` names the new person.
        """
        person_id, self._pending = self._decide(session, person)
        return person_id

    def remember(self, session: Session, person_id: str, person: HubPerson) -> None:
        """Index ``person`` under ``person_id``, added to what is indexed of that person.

        When ``person`` is the record just matched as new, its review candidates are proposed.
        """
        self._keys.remember(session, person_id, person)
        pending, self._pending = self._pending, None
        for candidate, decision in self._learn(person_id, person, pending):
            self._propose(session, candidate, person_id, decision)

    def resolve_batch(self, session: Session, persons: Sequence[HubPerson]) -> MatchBatch:
        """The batch view the sync uses: proposals and identity keys are written by ``save``.

        Args:
            session: The batch's session.
            persons: The batch's mapped records.

        Returns:
            A :class:`hub.sync.identity.MatchBatch`.
        """
        return _ScoredBatch(self, session, self._keys.resolve_batch(session, persons))

    def _decide(self, session: Session, person: HubPerson) -> tuple[str | None, _Pending]:
        decisions = self._index.match(person_fields(person))
        if decisions:
            gone = self._gone(session, {d.left for d in decisions})
            decisions = [d for d in decisions if d.left not in gone]
        same = {d.left for d in decisions if d.outcome is Outcome.SAME}
        if len(same) == 1:
            return same.pop(), None
        # two persons both certain: they may be one; a human decides, not the sync
        return None, ((person, decisions) if decisions else None)

    def _learn(
        self, person_id: str, person: HubPerson, pending: _Pending
    ) -> list[tuple[str, Decision]]:
        """Index the record under its person; the review candidates if it was pending."""
        record = self._normaliser.normalise(person_fields(person))
        known = self._known.get(person_id)
        if known is not None:
            # the person as the hub knows it: every record of it seen so far
            record = tuple(
                old + tuple(v for v in new if v not in old)
                for old, new in zip(known, record, strict=True)
            )
        if record != known:
            self._add(person_id, record)
        if pending is None or pending[0] != person:
            return []
        return [(d.left, d) for d in pending[1] if d.left != person_id]

    def _propose(
        self, session: Session, candidate: str, person_id: str, decision: Decision
    ) -> None:
        propose(
            session,
            candidate,
            person_id,
            decision.probability,
            explanation_of(decision.verdict),
            now=self._now(),
            connectors=self._connectors,
        )

    @staticmethod
    def _gone(session: Session, person_ids: set[str]) -> set[str]:
        """Of these persons, those erased or merged away since the index was loaded.

        Persons not in the store yet (new in the sync's current batch) are not gone.
        """
        ids = sorted(person_ids)
        erased = set(
            session.scalars(
                select(Person.id).where(Person.id.in_(ids), Person.erased_at.is_not(None))
            )
        )
        return erased | absorbed_ids(session, ids)


class _ScoredBatch:
    """:class:`ScoredMatcher` for one sync batch, whose new persons are stored only at its end.

    Matching and remembering work on the in-memory index at once; review proposals (which
    name the batch's new persons) and identity keys are written by :meth:`save`, after the
    sync has inserted those persons.
    """

    def __init__(self, matcher: ScoredMatcher, session: Session, keys: MatchBatch) -> None:
        self._matcher, self._session, self._keys = matcher, session, keys
        self._pending: _Pending = None
        self._proposals: list[tuple[str, str, Decision]] = []

    def match(self, person: HubPerson) -> str | None:
        person_id, self._pending = self._matcher._decide(self._session, person)
        return person_id

    def remember(self, person_id: str, person: HubPerson) -> None:
        self._keys.remember(person_id, person)
        pending, self._pending = self._pending, None
        for candidate, decision in self._matcher._learn(person_id, person, pending):
            self._proposals.append((candidate, person_id, decision))

    def save(self) -> None:
        self._keys.save()
        for candidate, person_id, decision in self._proposals:
            self._matcher._propose(self._session, candidate, person_id, decision)
        self._proposals = []

    def candidates(self) -> set[str]:
        return self._keys.candidates()


def _is_a_sync_matcher(matcher: ScoredMatcher) -> BatchMatcher:
    return matcher  # mypy checks that ScoredMatcher implements the sync's matcher protocols
