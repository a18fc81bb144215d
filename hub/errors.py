"""The one exception tree of the hub.

::

    HubError
    ├── ConfigError               a user's config, mapping or rules file is wrong (problems listed)
    ├── ConnectorError            something went wrong talking to a vendor
    │   ├── RetryableError        retrying can help
    │   │   ├── RateLimitedError  429: wait ``retry_after`` seconds
    │   │   └── UnavailableError  5xx, timeouts, dropped connections
    │   ├── AuthExpiredError      401: refresh credentials once, then it is a ConfigError
    │   ├── BudgetExhaustedError  the vendor's daily allowance (minus the reserve) is used up
    │   └── FatalError            retrying cannot help: the vendor refused the request
    │       ├── NotFoundError     404
    │       └── ConflictError     409: the record exists already (``existing_id``)
    ├── WebhookError              an inbound vendor webhook was refused
    │   ├── WebhookSignatureError bad, missing or stale signature
    │   └── WebhookPayloadError   signed correctly but not parseable
    └── StoreError                the store is not usable (e.g. migrations not applied)

Messages never contain secrets or personal data: they name endpoints, fields and ids.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthExpiredError",
    "BudgetExhaustedError",
    "ConfigError",
    "ConflictError",
    "ConnectorError",
    "FatalError",
    "FieldError",
    "HubError",
    "NotFoundError",
    "Problem",
    "RateLimitedError",
    "RetryableError",
    "StoreError",
    "UnavailableError",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookSignatureError",
]


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a user-edited file, located as precisely as known.

    Attributes:
        message: What is wrong, and what was expected.
        file: The file's path, if the problem comes from a file.
        line: 1-based line, if known.
        column: 1-based column, if known.
        path: Dotted key path inside the document (``connections.ats.settings.client_id``).
    """

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        """Render as ``file:line:column: key.path: message``."""
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class ConfigError(HubError):
    """A configuration, mapping or rules file (or a setting) is wrong.

    Args:
        problems: Every problem found; the loader reports all of them at once.
    """

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ConnectorError(HubError):
    """Talking to a vendor failed.

    Args:
        message: What failed, naming the endpoint (never secrets or personal data).
        status: The HTTP status, when there was a response.
        endpoint: A label for the endpoint (``GET /v3/candidates``).
    """

    def __init__(self, message: str, *, status: int | None = None, endpoint: str = "") -> None:
        self.status = status
        self.endpoint = endpoint
        super().__init__(message)


class RetryableError(ConnectorError):
    """A failure that retrying later can fix."""


class RateLimitedError(RetryableError):
    """The vendor said 429.

    Args:
        message: Description.
        retry_after: Seconds the vendor asked us to wait, if it said.
        status: HTTP status.
        endpoint: Endpoint label.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        endpoint: str = "",
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, endpoint=endpoint)


class UnavailableError(RetryableError):
    """5xx, a timeout or a dropped connection."""


class AuthExpiredError(ConnectorError):
    """401: the credentials need refreshing (once); if that fails it becomes a ConfigError."""


class BudgetExhaustedError(ConnectorError):
    """The vendor's daily request allowance, less the configured reserve, is used up."""


@dataclass(frozen=True)
class FieldError:
    """A vendor's complaint about one field of a request body."""

    field: str
    message: str


class FatalError(ConnectorError):
    """The vendor refused the request; sending it again will not help.

    Args:
        message: The vendor's own message (checked to carry no personal data where possible).
        status: HTTP status.
        endpoint: Endpoint label.
        field_errors: Per-field complaints from the vendor's error body.
        category: The vendor's error category, if it gives one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        endpoint: str = "",
        field_errors: list[FieldError] | None = None,
        category: str = "",
    ) -> None:
        self.field_errors = field_errors or []
        self.category = category
        super().__init__(message, status=status, endpoint=endpoint)


class NotFoundError(FatalError):
    """404: the record does not exist (or is not readable yet)."""


class ConflictError(FatalError):
    """409: the record exists already.

    Args:
        message: The vendor's message.
        existing_id: The id of the record that already exists, when the vendor says it.
        status: HTTP status.
        endpoint: Endpoint label.
    """

    def __init__(
        self,
        message: str,
        *,
        existing_id: str | None = None,
        status: int | None = 409,
        endpoint: str = "",
    ) -> None:
        self.existing_id = existing_id
        super().__init__(message, status=status, endpoint=endpoint, category="CONFLICT")


class WebhookError(HubError):
    """An inbound vendor webhook was refused."""


class WebhookSignatureError(WebhookError):
    """The signature is missing, wrong or too old."""


class WebhookPayloadError(WebhookError):
    """The body was signed correctly but could not be parsed."""


class StoreError(HubError):
    """The store cannot be used as it is (unreachable, or migrations not applied)."""
