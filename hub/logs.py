"""Logging setup: plain text or one JSON object per line, each record with its request id.

The HTTP service puts each request's id (``X-Request-ID``) in :data:`request_id_var`; a filter
on the handler copies it onto every record logged while the request is handled, including from
the threads it hands work to (they run in a copy of its context).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = [
    "LogFormat",
    "JsonFormatter",
    "RequestIdFilter",
    "configure_logging",
    "describe_error",
    "request_id_var",
]

LogFormat = Literal["text", "json"]

#: The id of the request being handled (``None`` outside a request).
request_id_var: ContextVar[str | None] = ContextVar("hub_request_id", default=None)


def describe_error(exc: BaseException) -> str:
    """The exception's type and where it was raised, for logs; its message only if a HubError.

    HubError messages are written to carry no personal data; other exceptions' messages may
    (a database error quotes the row it refused, a vendor error its body).
    """
    from hub.errors import HubError

    kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    detail = f": {exc}" if isinstance(exc, HubError) else " (message withheld)"
    return f"{kind}{where}{detail}"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the current request's, or ``None``) to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate ``record``; never drops it."""
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Formats records as single-line JSON: time, level, logger, message, request_id, extras."""

    _skip = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
        "message",
        "request_id",
    }

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as JSON."""
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        payload.update({k: v for k, v in record.__dict__.items() if k not in self._skip})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request {request_id}]" if request_id else line


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record.

    A handler that kept the stream it was made with would write to a closed one once the
    stream is swapped (a test runner capturing output, a daemon redirecting it).
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(*, level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once for a process (CLI, worker or server).

    Args:
        level: The root level (``INFO``).
        fmt: ``text`` (``LEVEL logger: message``) or ``json`` (one object a line).
    """
    handler = _StderrHandler()
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else _TextFormatter("%(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; URLs can carry ids and emails in filters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
