"""HubSpot-shaped error answers for the emulator."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.responses import JSONResponse

__all__ = ["ApiError", "invalid_properties", "error_body"]


def error_body(category: str, message: str, **extra: Any) -> dict[str, Any]:
    """HubSpot's error body: ``status, message, correlationId, category`` (+ extras)."""
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
        **extra,
    }


class ApiError(Exception):
    """Raised inside the emulator; rendered as HubSpot's error body.

    Args:
        status: HTTP status.
        category: HubSpot's error category.
        message: HubSpot's message.
        **extra: More body fields (``errors``, ``context``).
    """

    def __init__(self, status: int, category: str, *, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        return error_body(self.category, self.message, **self.extra)

    def response(self) -> JSONResponse:
        """The HTTP response."""
        return JSONResponse(self.body(), status_code=self.status)


def invalid_properties(problems: list[dict[str, Any]]) -> ApiError:
    """The 400 HubSpot sends for bad property values (the array embedded in the message)."""
    items = [{"isValid": False, **problem} for problem in problems]
    return ApiError(
        400,
        "VALIDATION_ERROR",
        message=f"Property values were not valid: {json.dumps(items, separators=(',', ':'))}",
    )
