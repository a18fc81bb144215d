"""One error body for every failure: ``{"error": {"status", "code", "message"}}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from hub.errors import Problem

__all__ = [
    "ErrorBody",
    "ErrorDetail",
    "ProblemPublic",
    "ProblemsError",
    "error_response",
    "error_responses",
    "install_error_handlers",
]

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    413: "payload_too_large",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
}


class ProblemPublic(BaseModel):
    """One located problem in a user-edited file or request body."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""

    @classmethod
    def of(cls, problem: Problem) -> ProblemPublic:
        """The public form of a :class:`hub.errors.Problem`."""
        return cls(
            message=problem.message,
            file=problem.file,
            line=problem.line,
            column=problem.column,
            path=problem.path,
        )


class ErrorDetail(BaseModel):
    """What went wrong; ``problems`` lists located problems when there are several."""

    status: int
    code: str
    message: str
    problems: list[ProblemPublic] | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    problems: Sequence[Problem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON error response in the one shape (``problems`` only when given)."""
    detail = ErrorDetail(
        status=status,
        code=code or _CODES.get(status, "error"),
        message=message,
        problems=[ProblemPublic.of(p) for p in problems] if problems is not None else None,
    )
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(
        ErrorBody(error=detail).model_dump(exclude_none=True), status_code=status, headers=headers
    )


class ProblemsError(Exception):
    """Raised by a route to answer ``status`` with located problems in the error body."""

    def __init__(self, status: int, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.status, self.message, self.problems = status, message, list(problems)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting the error body for each status."""
    return {status: {"model": ErrorBody} for status in statuses}


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Make FastAPI's own errors use the one shape (field paths, never input values)."""

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # FastAPI's answer to a body it cannot decode: one more invalid request
            return error_response(422, "body: not valid JSON text (UTF-8)")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return error_response(exc.status_code, str(exc.detail), headers=headers)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return error_response(422, "; ".join(parts))

    async def problems_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemsError)
        return error_response(exc.status, exc.message, problems=exc.problems)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(ProblemsError, problems_error)
    app.add_exception_handler(RequestValidationError, validation_error)
