"""Tables of identity resolution: the dedup review queue and the history of hub merges.

``dedup_review_pairs`` holds each pair of hub persons the matcher was unsure about, keyed by
``pair_key`` (the two ids sorted and joined), so a pair is proposed once: a rejected pair is
never proposed again and an open one is not queued twice. ``person_merges`` records every merge
of one person into another with a snapshot of both persons before it (golden data, links, keys,
provenance), which is what makes a split restore the previous state exactly. The persons table
is not altered: a person is *absorbed* while a merge naming it as ``absorbed_id`` is not split.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base

__all__ = ["PersonMerge", "ReviewPair", "pair_key"]


def pair_key(a: str, b: str) -> str:
    """The order-independent key of a pair of person ids."""
    return f"{a}:{b}" if a <= b else f"{b}:{a}"


class ReviewPair(Base):
    """Two hub persons that may be one: scored, explained and waiting for (or given) a decision.

    ``status``: ``open``, ``approved`` (merged; ``merge_id``) or ``rejected``. ``explanation``
    is the scoring's evidence (field levels and weights, guard reason), never field values.
    """

    __tablename__ = "dedup_review_pairs"
    __table_args__ = (Index("ix_dedup_review_pairs_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pair_key: Mapped[str] = mapped_column(String(80), unique=True)
    person_a: Mapped[str] = mapped_column(String(32), index=True)
    person_b: Mapped[str] = mapped_column(String(32), index=True)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None]
    merge_id: Mapped[int | None] = mapped_column(Integer)


class PersonMerge(Base):
    """One hub merge: ``absorbed_id`` was folded into ``survivor_id``; undone when split.

    ``snapshot`` holds both persons as they were just before the merge: ``survivor`` and
    ``absorbed``, each with ``data``, ``status``, ``version``, ``links`` (connection, object
    type, external id), ``keys`` and ``provenance``.
    """

    __tablename__ = "person_merges"
    __table_args__ = (Index("ix_person_merges_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    survivor_id: Mapped[str] = mapped_column(String(32), index=True)
    absorbed_id: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    review_id: Mapped[int | None] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    split_at: Mapped[datetime | None]
