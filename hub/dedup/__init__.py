"""Identity resolution and dedup. Pure: no I/O imports.

Normalisers, blocking, comparators, Fellegi-Sunter scoring with a guard, non-chaining
clustering, a batch scan and an incremental matcher.
"""

from __future__ import annotations

from hub.dedup.clustering import Clustering, cluster_links
from hub.dedup.guard import Guard, GuardVerdict
from hub.dedup.matcher import Matcher
from hub.dedup.records import NormRecord, RecordNormaliser, fields_from_row, person_fields
from hub.dedup.scan import Scan, fixed_weights
from hub.dedup.scoring import Decision, FieldEvidence, Outcome, Scorer, Verdict
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import FieldWeights, Weights, estimate_weights

__all__ = [
    "Clustering",
    "Decision",
    "FieldEvidence",
    "FieldWeights",
    "Guard",
    "GuardVerdict",
    "MatchSpec",
    "Matcher",
    "NormRecord",
    "Outcome",
    "RecordNormaliser",
    "Scan",
    "Scorer",
    "Verdict",
    "Weights",
    "cluster_links",
    "estimate_weights",
    "fields_from_row",
    "fixed_weights",
    "person_fields",
]
