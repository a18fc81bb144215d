"""The scored matcher: identity resolution for the sync with the dedup engine's match config.

It implements :class:`hub.sync.identity.Matcher`. An incoming vendor record (already mapped to
a canonical person) is scored against the hub's persons sharing one of its blocking keys, so
matching one record costs a few key lookups and comparisons, never a scan:

- at or above ``thresholds.auto`` with the guard's consent (strong shared evidence, no conflicting
  identifier), the record belongs to that person;
- between ``review`` and ``auto`` (or several persons above ``auto``), it becomes a new person
  and the pair goes to the review queue (:func:`hub.persons.propose`) as soon as the sync
  :meth:`ScoredMatcher.remember` s the new person's id;
- below ``review``, it is a new person.

The index lives in the store, in ``person_keys`` beside the email keys of
:class:`EmailMatcher`, so no process holds the hub's persons in memory and every process sees
the same index:

- ``b:<rule>:<digest>``: a blocking key of the person (a digest, so values never show in it);
- ``n:<field>:<value>``: a normalised value of the person, every record of it seen so far;
  candidates are scored from these, and term frequencies are counted from them;
- ``m:<digest of the spec>``: the person is indexed under this match spec.

Merges move a person's keys to the survivor, splits give them back and erasure deletes them,
so the index follows all three without a rebuild. Persons without the mark of the current spec
(an upgraded store, an edited ``match.persons.yaml``, persons written by the email matcher) are
indexed from their golden records when the matcher loads. A batch of the sync reads what it
needs in a few queries (:class:`_ScoredBatch`) and writes its new keys in one statement.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from hub.dedup.blocking import block_caps, key_function
from hub.dedup.comparators import level_names
from hub.dedup.frequency import frequency_band
from hub.dedup.patterns import with_bands
from hub.dedup.records import NormRecord, RawValue, RecordNormaliser, Values, person_fields
from hub.dedup.scan import Scan, fixed_weights
from hub.dedup.scoring import Decision, Outcome, Scorer
from hub.dedup.spec import FieldSpec, MatchSpec
from hub.dedup.weights import FieldWeights, Weights
from hub.models import Person as HubPerson
from hub.persons.labels import labelled_pairs, spec_with_labels
from hub.persons.merge import absorbed_ids
from hub.persons.review import explanation_of, propose
from hub.store.repo import insert_missing_rows, table_of
from hub.store.tables import Person, PersonKey
from hub.sync.identity import BatchMatcher, EmailMatcher, MatchBatch

__all__ = ["ScoredMatcher", "estimate_weights", "golden_fields", "spec_digest", "starting_weights"]

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


log = logging.getLogger(__name__)
_BLOCK, _VALUE, _MARK = "b:", "n:", "m:"
_CHUNK = 500
_KEY_COLUMNS = ("key", "person_id")
# Core columns: the batch's reads need no ORM objects
_KEYS = table_of(PersonKey).c
# person_keys.key holds 255 characters: a longer normalised value is not indexed
_MAX_VALUE = 200
# persons whose values a matcher keeps between batches (memory stays bounded)
_RECENT = 20_000
# persons the weights are estimated from (ids are random, so the first ones by id are a sample)
_SAMPLE = 20_000


def spec_digest(spec: MatchSpec) -> str:
    """What decides a person's keys: the fields' normalisation and the blocking rules.

    Weights, thresholds and the guard are left out: changing them needs no new index.
    """
    parts = {
        "region": spec.default_region,
        "weak": sorted(spec.weak_email_domains),
        "fields": [[name, f.normalise, f.split] for name, f in spec.fields.items()],
        "blocking": spec.blocking.model_dump(mode="json"),
    }
    return hashlib.blake2b(json.dumps(parts).encode(), digest_size=8).hexdigest()


def estimate_weights(
    session: Session, spec: MatchSpec, *, minimum: int, sample: int = _SAMPLE
) -> Weights | None:
    """Weights estimated from a sample of the store's persons, as ``hub dedupe scan`` does.

    Args:
        session: A store session.
        spec: The match spec.
        minimum: Fewer persons than this say too little: ``None``.
        sample: At most this many persons are read (memory stays bounded however large the
            store grows).

    Returns:
        The estimated weights, or ``None``.
    """
    gone = absorbed_ids(session)
    rows = session.execute(
        select(Person.id, Person.data)
        .where(Person.erased_at.is_(None))
        .order_by(Person.id)
        .limit(sample + len(gone))
    )
    records = [(pid, golden_fields(data or {}), "") for pid, data in rows if pid not in gone]
    if len(records) < minimum:
        return None
    scan = Scan(spec)
    scan.normalise(records[:sample])
    scan.block()
    scan.compare()
    return scan.estimate()


class ScoredMatcher:
    """Matches vendor records to hub persons by score, guard and thresholds.

    Build it with :meth:`load`. ``match`` and ``remember`` follow
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
        self.mark = _MARK + spec_digest(spec)
        self._normaliser = RecordNormaliser(spec)
        self._rule_keys = key_function(spec)
        rules = spec.blocking.rules
        self._rule_names = [rule.name or f"rule{i}" for i, rule in enumerate(rules)]
        self._caps = dict(zip(self._rule_names, block_caps(spec), strict=True))
        self._scorer = Scorer(spec, weights)
        self._fields = tuple(spec.fields)
        self._field_index = {name: f for f, name in enumerate(self._fields)}
        self._counted = tuple(
            f for f, field in enumerate(spec.fields.values()) if field.term_frequency
        )
        self._keys = EmailMatcher()
        self._now = now
        self._connectors = dict(connectors or {})
        self._indexed = 0
        self._filled = dict.fromkeys(self._counted, 0)
        self._one: _ScoredBatch | None = None  # record-at-a-time ``match`` awaiting ``remember``
        # the values of persons recently read or made, so a run does not read them again
        self._recent: OrderedDict[str, NormRecord] = OrderedDict()
        self.estimated = False  # weights estimated from the store (worth keeping between runs)

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
        checkpoint: Callable[[], None] | None = None,
    ) -> ScoredMatcher:
        """The matcher over the store's index, indexing the persons it does not hold yet.

        Weights: those given, else those fixed in the spec, else estimated from a sample of the
        persons (as ``hub dedupe scan`` does) when there are at least
        ``min_records_to_estimate`` of them, else :func:`starting_weights`. Review decisions
        feed in: a field with at least ``min_labels`` approved pairs gets its ``m`` from them
        (:func:`spec_with_labels`). ``checkpoint`` is passed to :meth:`index_store`.
        """
        labels = labelled_pairs(session)
        if labels:
            spec = spec_with_labels(spec, labels, min_labels=min_labels)
        estimated = None
        weights = weights or fixed_weights(spec)
        if weights is None:
            estimated = estimate_weights(session, spec, minimum=min_records_to_estimate)
        weights = weights or estimated or starting_weights(spec)
        matcher = cls(spec, weights, now=now, connectors=connectors)
        matcher.estimated = estimated is not None
        matcher.index_store(session, checkpoint=checkpoint)
        return matcher

    def __len__(self) -> int:
        """Number of persons indexed."""
        return self._indexed

    def index_store(
        self,
        session: Session,
        *,
        chunk: int = 1000,
        checkpoint: Callable[[], None] | None = None,
    ) -> int:
        """Index, from their golden records, the persons not indexed under this spec yet.

        Absorbed and erased persons are left out. Keys of an earlier spec are replaced.

        Args:
            session: A store session.
            chunk: Persons per round.
            checkpoint: Called after each round (to commit it: a large store is indexed in
                many short transactions, and what is done stays done).

        Returns:
            How many persons were indexed now.
        """
        gone = absorbed_ids(session)
        marked = exists().where(PersonKey.person_id == Person.id, PersonKey.key == self.mark)
        after, indexed = "", 0
        while True:
            rows = session.execute(
                select(Person.id, Person.data)
                .where(Person.erased_at.is_(None), Person.id > after, ~marked)
                .order_by(Person.id)
                .limit(chunk)
            ).all()
            if not rows:
                break
            after = rows[-1][0]
            todo = [(pid, data) for pid, data in rows if pid not in gone]
            stale = or_(*(PersonKey.key.startswith(p) for p in (_BLOCK, _VALUE, _MARK)))
            session.execute(
                delete(PersonKey).where(PersonKey.person_id.in_([p for p, _ in todo]), stale)
            )
            insert_missing_rows(
                session,
                PersonKey,
                [
                    {"key": key, "person_id": pid}
                    for pid, data in todo
                    for key in sorted(self.keys_of(self.normalise(golden_fields(data or {}))))
                ],
                keys=_KEY_COLUMNS,
            )
            indexed += len(todo)
            if checkpoint is not None:
                checkpoint()
        if indexed:
            log.info("indexed %d persons for identity matching (%s)", indexed, self.mark)
        self._indexed = session.scalar(select(func.count()).where(PersonKey.key == self.mark)) or 0
        # a range of keys by bytes: PostgreSQL's linguistic collations ignore the punctuation
        key = PersonKey.key
        if session.get_bind().dialect.name == "postgresql":
            key = key.collate("C")  # type: ignore[assignment]
        for f in self._counted:
            prefix = f"{_VALUE}{self._fields[f]}:"
            self._filled[f] = (
                session.scalar(
                    select(func.count(func.distinct(PersonKey.person_id))).where(
                        key >= prefix, key < prefix[:-1] + ";"
                    )
                )
                or 0
            )
        return indexed

    def filled(self, name: str) -> int:
        """Persons with a value in a term-frequency field (what its frequencies are shares of)."""
        return self._filled[self._field_index[name]]

    def normalise(self, fields: Mapping[str, RawValue]) -> NormRecord:
        """Raw match fields as a normalised record."""
        return self._normaliser.normalise(fields)

    def keys_of(self, record: NormRecord) -> set[str]:
        """A person's index keys: blocking keys, normalised values and the spec's mark."""
        keys = {self.mark}
        for rule, key in self._rule_keys(record):
            digest = hashlib.blake2b(repr(key).encode(), digest_size=10).hexdigest()
            keys.add(f"{_BLOCK}{self._rule_names[rule]}:{digest}")
        for name, values in zip(self._fields, record, strict=True):
            keys.update(f"{_VALUE}{name}:{v}" for v in values if len(v) <= _MAX_VALUE)
        return keys

    def record_of(self, keys: Iterable[str]) -> NormRecord:
        """A person's normalised record read back from its ``n:`` keys (values sorted)."""
        values: list[list[str]] = [[] for _ in self._fields]
        index = self._field_index
        for key in keys:
            if key.startswith(_VALUE):
                name, _, value = key[2:].partition(":")
                f = index.get(name)
                if f is not None:
                    values[f].append(value)
        return tuple(tuple(sorted(v)) for v in values)

    def recall(self, person_id: str) -> NormRecord | None:
        """A person's values if read or made recently (this matcher's run only)."""
        record = self._recent.get(person_id)
        if record is not None:
            self._recent.move_to_end(person_id)
        return record

    def note(self, person_id: str, record: NormRecord) -> None:
        """Keep a person's complete values (stored and remembered) among the recent ones."""
        self._recent[person_id] = record
        self._recent.move_to_end(person_id)
        if len(self._recent) > _RECENT:
            self._recent.popitem(last=False)

    def cap_of(self, key: str) -> int:
        """The size cap of a blocking key's rule."""
        return self._caps.get(key[len(_BLOCK) :].partition(":")[0], 0)

    def match(self, session: Session, person: HubPerson) -> str | None:
        """The one person this record is by score and guard, else ``None`` (a new person).

        Candidates for review are kept until :meth:`remember` names the new person.
        """
        self._one = self.resolve_batch(session, [person])
        return self._one.match(person)

    def remember(self, session: Session, person_id: str, person: HubPerson) -> None:
        """Index ``person`` under ``person_id``, added to what is indexed of that person.

        When ``person`` is the record just matched as new, its review candidates are proposed.
        """
        one, self._one = self._one, None
        if one is None or one.session is not session:
            one = self.resolve_batch(session, [person])
        one.remember(person_id, person)
        session.flush()  # the person row, when the caller just added it
        one.save()

    def resolve_batch(self, session: Session, persons: Sequence[HubPerson]) -> _ScoredBatch:
        """The batch view the sync uses: proposals and keys are written by ``save``.

        Args:
            session: The batch's session.
            persons: The batch's mapped records.

        Returns:
            A :class:`hub.sync.identity.MatchBatch`.
        """
        return _ScoredBatch(self, session, persons, self._keys.resolve_batch(session, persons))

    def propose(self, session: Session, candidate: str, person_id: str, decision: Decision) -> None:
        """Queue a likely pair for review."""
        propose(
            session,
            candidate,
            person_id,
            decision.probability,
            explanation_of(decision.verdict),
            now=self._now(),
            connectors=self._connectors,
        )


class _ScoredBatch:
    """:class:`ScoredMatcher` for one sync batch, read from the store in a few queries.

    What the batch's records need (the persons sharing their blocking keys, those persons'
    values, how common the records' values are) is read up front. Matching and remembering then
    work in memory, so a duplicate later in the batch finds a person made earlier in it; the
    new keys and review proposals (which name the batch's new persons, stored only at its end)
    are written by :meth:`save`.
    """

    def __init__(
        self,
        matcher: ScoredMatcher,
        session: Session,
        persons: Sequence[HubPerson],
        keys: MatchBatch,
    ) -> None:
        self.matcher, self.session, self._email = matcher, session, keys
        # by id(): the person is held here too, so its id() is never reused
        self._records: dict[int, tuple[HubPerson, NormRecord, set[str]]] = {}
        self._holders: dict[str, set[str]] = {}  # blocking key → persons (read, or this batch)
        self._read_keys: set[str] = set()
        self._over_cap: set[str] = set()
        self._known: dict[str, NormRecord] = {}  # person → its values, stored and remembered
        self._stored: dict[str, set[str]] = {}  # person → all its keys in the store, when read
        self._valued: set[str] = set()  # persons whose stored values are in ``_known``
        self._counts: dict[str, int] = {}  # value key → persons holding it
        self._added: dict[str, set[str]] = {}  # person → keys to write
        self._pending: _Pending = None
        self._unmatched: HubPerson | None = None  # the record ``match`` just found no one for
        self._proposals: list[tuple[str, str, Decision]] = []
        self._read([self._record(p) for p in persons])

    def match(self, person: HubPerson) -> str | None:
        _, record, keys = self._record(person)
        self._read([(person, record, keys)])
        matcher = self.matcher
        candidates: dict[str, None] = {}
        for key in keys:
            if key.startswith(_BLOCK) and key not in self._over_cap:
                holders = self._holders.get(key, set())
                if len(holders) <= matcher.cap_of(key):
                    candidates.update(dict.fromkeys(sorted(holders)))
        decisions = []
        for person_id in candidates:
            existing = self._known.get(person_id)
            if existing is None:
                continue
            verdict = matcher._scorer.verdict(self._pattern(existing, record))
            if verdict.outcome is not Outcome.DIFFERENT:
                decisions.append(Decision(person_id, None, verdict))
        decisions.sort(key=lambda d: -d.verdict.total_weight)
        same = {d.left for d in decisions if d.outcome is Outcome.SAME}
        if len(same) == 1:
            self._pending, self._unmatched = None, None
            return same.pop()
        # two persons both certain: they may be one; a human decides, not the sync
        self._pending = (person, decisions) if decisions else None
        self._unmatched = person
        return None

    def remember(self, person_id: str, person: HubPerson) -> None:
        self._email.remember(person_id, person)
        _, record, keys = self._record(person)
        known = self._known.get(person_id)
        # the person as the hub knows it: every record of it seen so far
        record = record if known is None else _union(known, record)
        self._known[person_id] = record
        unmatched, self._unmatched = self._unmatched, None
        if person_id in self._valued or (unmatched is person and known is None):
            # complete: read from the store (or recently) and added to, or a new person
            self._valued.add(person_id)
            self.matcher.note(person_id, record)
        elif (recent := self.matcher.recall(person_id)) is not None:
            self.matcher.note(person_id, _union(recent, record))
        added = self._added.setdefault(person_id, set())
        for key in keys - self._stored.get(person_id, set()) - added:
            added.add(key)
            if key.startswith(_BLOCK):
                self._holders.setdefault(key, set()).add(person_id)
            elif key.startswith(_VALUE):  # may be stored already: a count is an estimate
                self._counts[key] = self._counts.get(key, 0) + 1
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is person:
            self._proposals.extend(
                (d.left, person_id, d) for d in pending[1] if d.left != person_id
            )

    def save(self, new: Collection[str] = ()) -> None:
        self._email.save(new)
        matcher = self.matcher
        for person_id in new:  # made in this batch: nothing of them is stored to read
            self._stored.setdefault(person_id, set())
        self._read_stored([p for p in self._added if p not in self._stored])
        rows: list[dict[str, str]] = []
        counted = [(f, f"{_VALUE}{matcher._fields[f]}:") for f in matcher._counted]
        for person_id, keys in self._added.items():
            stored = self._stored.setdefault(person_id, set())
            fresh = keys - stored
            if not fresh:
                continue
            for f, prefix in counted:  # a field's first value: one more person holds it
                if any(k.startswith(prefix) for k in fresh) and not any(
                    k.startswith(prefix) for k in stored
                ):
                    matcher._filled[f] += 1
            if matcher.mark in fresh:
                matcher._indexed += 1
            stored |= fresh
            rows.extend({"key": key, "person_id": person_id} for key in sorted(fresh))
        insert_missing_rows(self.session, PersonKey, rows, keys=_KEY_COLUMNS)
        self._added = {}
        for candidate, person_id, decision in self._proposals:
            matcher.propose(self.session, candidate, person_id, decision)
        self._proposals = []

    def candidates(self) -> set[str]:
        found = self._email.candidates()
        for holders in self._holders.values():
            found |= holders
        return found

    def _record(self, person: HubPerson) -> tuple[HubPerson, NormRecord, set[str]]:
        known = self._records.get(id(person))
        if known is None:
            record = self.matcher.normalise(person_fields(person))
            known = self._records[id(person)] = (person, record, self.matcher.keys_of(record))
        return known

    def _pattern(self, existing: NormRecord, record: NormRecord) -> tuple[int, ...]:
        levels = self.matcher._scorer.pattern(existing, record)
        return with_bands(levels, existing, record, self.matcher._counted, self._band)

    def _band(self, field: int, shared: Values) -> int:
        prefix = f"{_VALUE}{self.matcher._fields[field]}:"
        # the record being matched holds the value too: count it
        count = max(self._counts.get(prefix + v, 0) for v in shared) + 1
        return frequency_band(count, self.matcher._filled[field] + 1)

    def _read(self, items: Sequence[tuple[HubPerson, NormRecord, set[str]]]) -> None:
        """Read the persons sharing these records' blocks, their values, and value counts."""
        keys = {k for _, _, ks in items for k in ks} - self._read_keys
        if not keys:
            return
        self._read_keys |= keys
        matcher = self.matcher
        blocks = sorted(k for k in keys if k.startswith(_BLOCK))
        counted = tuple(f"{_VALUE}{matcher._fields[f]}:" for f in matcher._counted)
        values = sorted(k for k in keys if k.startswith(counted)) if counted else []
        # every block's members in one read (one query instead of a count and a read); a block
        # over its cap is dropped here
        members: dict[str, set[str]] = {}
        for start in range(0, len(blocks), _CHUNK):
            rows = self.session.execute(
                select(_KEYS.key, _KEYS.person_id).where(
                    _KEYS.key.in_(blocks[start : start + _CHUNK])
                )
            )
            for key, person_id in rows:
                members.setdefault(key, set()).add(person_id)
        fresh: set[str] = set()
        for key, holders in members.items():
            if len(holders) > matcher.cap_of(key):
                self._over_cap.add(key)
                continue
            self._holders.setdefault(key, set()).update(holders)
            fresh |= holders
        for key, n in self._count(values):
            self._counts[key] = self._counts.get(key, 0) + n
        unread = []
        for person_id in sorted(fresh - self._valued):
            recent = matcher.recall(person_id)
            if recent is None:
                unread.append(person_id)
            else:
                self._valued.add(person_id)
                self._known[person_id] = _union(recent, self._known.get(person_id))
        self._read_values(unread)

    def _count(self, keys: Sequence[str]) -> Iterable[tuple[str, int]]:
        for start in range(0, len(keys), _CHUNK):
            rows = self.session.execute(
                select(_KEYS.key, func.count())
                .where(_KEYS.key.in_(keys[start : start + _CHUNK]))
                .group_by(_KEYS.key)
            )
            yield from ((key, n) for key, n in rows)

    def _read_values(self, person_ids: Sequence[str]) -> None:
        """Read candidates' values (their ``n:`` keys only): what they are scored on."""
        # substr, not a range on the key: the lookup goes by person, not through every value
        is_value = func.substr(_KEYS.key, 1, len(_VALUE)) == _VALUE
        self._join(person_ids, is_value, complete=False)

    def _read_stored(self, person_ids: Sequence[str]) -> None:
        """Read every key of these persons (what is stored need not be written again)."""
        self._join(person_ids, None, complete=True)

    def _join(self, person_ids: Sequence[str], where: Any, *, complete: bool) -> None:
        found: dict[str, set[str]] = {pid: set() for pid in person_ids}
        for start in range(0, len(person_ids), _CHUNK):
            query = select(_KEYS.person_id, _KEYS.key).where(
                _KEYS.person_id.in_(person_ids[start : start + _CHUNK])
            )
            for person_id, key in self.session.execute(
                query if where is None else query.where(where)
            ):
                found[person_id].add(key)
        for person_id, keys in found.items():
            if complete:
                self._stored[person_id] = keys
            if person_id in self._valued:
                continue
            self._valued.add(person_id)
            record = _union(self.matcher.record_of(keys), self._known.get(person_id))
            self._known[person_id] = record
            self.matcher.note(person_id, record)


def _union(record: NormRecord, more: NormRecord | None) -> NormRecord:
    """``record`` with the values of ``more`` it lacks, field by field."""
    if more is None:
        return record
    return tuple(
        old + tuple(v for v in new if v not in old) for old, new in zip(record, more, strict=True)
    )


def _is_a_sync_matcher(matcher: ScoredMatcher) -> BatchMatcher:
    return matcher  # mypy checks that ScoredMatcher implements the sync's matcher protocols
