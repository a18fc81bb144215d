"""One way to page every list endpoint: ``limit`` (1 to 200, default 50) and ``offset``.

Every page answers ``{"items": [...], "total", "limit", "offset"}``; the next page starts at
``offset + limit`` while that is below ``total``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

__all__ = ["Limit", "Offset"]

#: Items per page.
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page (1 to 200).")]
#: Items to skip.
Offset = Annotated[
    int, Query(ge=0, le=2**31 - 1, description="Items to skip (0 for the first page).")
]
