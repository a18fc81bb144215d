"""Hub persons as a whole: reversible merges and the dedup review queue (effects: the store).

:mod:`hub.dedup` decides who might be whom (pure); this package acts on it: it queues
uncertain pairs for a human, merges approved ones in the hub, and splits merges again.
Vendor merges (HubSpot, Greenhouse) are never made from here.
"""

from __future__ import annotations

from hub.persons.errors import (
    MergeError,
    MergeNotFoundError,
    PersonNotFoundError,
    ReviewNotFoundError,
)
from hub.persons.labels import LabelledPair, label_patterns, labelled_pairs, spec_with_labels
from hub.persons.merge import (
    MergeOutcome,
    SplitOutcome,
    absorbed_ids,
    current_person_id,
    forget_merged_data,
    list_merges,
    merge_persons,
    split_merge,
)
from hub.persons.review import (
    approve,
    explanation_of,
    get_pair,
    list_open,
    propose,
    reject,
    split,
)

__all__ = [
    "LabelledPair",
    "MergeError",
    "MergeNotFoundError",
    "MergeOutcome",
    "PersonNotFoundError",
    "ReviewNotFoundError",
    "SplitOutcome",
    "absorbed_ids",
    "approve",
    "current_person_id",
    "explanation_of",
    "forget_merged_data",
    "get_pair",
    "label_patterns",
    "labelled_pairs",
    "list_merges",
    "list_open",
    "merge_persons",
    "propose",
    "reject",
    "spec_with_labels",
    "split",
    "split_merge",
]
