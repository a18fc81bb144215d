"""Errors of person merges and the review queue (messages name ids, never personal data)."""

from __future__ import annotations

from hub.errors import HubError

__all__ = ["MergeError", "MergeNotFoundError", "PersonNotFoundError", "ReviewNotFoundError"]


class PersonNotFoundError(HubError):
    """No hub person has this id."""


class ReviewNotFoundError(HubError):
    """No review pair has this id."""


class MergeNotFoundError(HubError):
    """No merge has this id."""


class MergeError(HubError):
    """The merge, split or decision asked for cannot be done in the persons' current state."""
