"""What a connector is: its spec, the protocol its instances satisfy, and the values they trade.

A connector package registers one :class:`ConnectorSpec` through the
``hub_register_connectors`` hook. The core builds instances with ``spec.factory`` and talks to
them only through :class:`Connector`. Vendor records travel as :class:`VendorRecord` (the raw
JSON the vendor returned, plus the id and modification time the sync needs); the mapping engine
turns them into canonical models.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

if TYPE_CHECKING:
    import httpx

    from hub.models import ChangeEvent

__all__ = [
    "Connector",
    "ConnectorContext",
    "ConnectorRegistry",
    "ConnectorSpec",
    "Cursor",
    "EmulatorOptions",
    "Page",
    "System",
    "VendorRecord",
    "WebhookRequest",
    "WriteOp",
    "WriteResult",
]

System = Literal["crm", "ats"]
JSON = dict[str, Any]


@dataclass(frozen=True)
class Cursor:
    """Where an incremental read stands: the last (updated_at, id) fully processed.

    Ties on equal timestamps are broken by id, so a cursor never skips a record that shares the
    bookmark's timestamp.
    """

    updated_at: datetime
    last_id: str = ""


@dataclass(frozen=True)
class VendorRecord:
    """One record as the vendor returned it.

    Attributes:
        object_type: The connector's object type.
        external_id: The vendor's id, as a string.
        updated_at: The vendor's modification time (timezone-aware UTC).
        data: The raw JSON object, unchanged.
    """

    object_type: str
    external_id: str
    updated_at: datetime
    data: JSON


@dataclass(frozen=True)
class Page:
    """A page of records read from a vendor, in the order the vendor gave them."""

    records: Sequence[VendorRecord]


@dataclass(frozen=True)
class WriteOp:
    """One write the hub asks a connector to make.

    Attributes:
        object_type: The connector's object type.
        action: ``create``, ``update``, ``upsert``, ``delete``, ``merge`` or a vendor-specific
            action the connector documents (``move_stage``, ``reject``, ``add_note``, …).
        data: The vendor-shaped payload (produced by an outbound mapping).
        idempotency_key: Stable key for this write; the ledger uses it to never write twice.
        external_id: The target record, for everything but creates.
    """

    object_type: str
    action: str
    data: Mapping[str, Any]
    idempotency_key: str
    external_id: str | None = None


@dataclass(frozen=True)
class WriteResult:
    """What became of one :class:`WriteOp`.

    Attributes:
        op: The op this answers.
        ok: Whether the vendor accepted it.
        external_id: The record written (for a create, the new id; for a 409, the existing id).
        existed: True when a create found the record already there and linked to it instead.
        error: The vendor's message when not ok (never personal data).
        retryable: Whether a later attempt might succeed.
    """

    op: WriteOp
    ok: bool
    external_id: str | None = None
    existed: bool = False
    error: str | None = None
    retryable: bool = False


@dataclass(frozen=True)
class WebhookRequest:
    """An inbound webhook exactly as received: verification needs the raw bytes.

    Attributes:
        method: HTTP method.
        url: The full URL the vendor called (public base URL + path + query).
        headers: Request headers, lower-cased names.
        body: The raw body.
        received_at: When the hub received it (for timestamp windows).
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime


@dataclass(frozen=True)
class EmulatorOptions:
    """How to build a vendor emulator.

    Attributes:
        seed: Seed for deterministic data.
        people: How many people to seed.
        rate_limit: Requests per window per token; ``None`` = vendor default, 0 = off.
        webhook_urls: Where the emulator POSTs signed webhooks on changes.
        webhook_secret: Secret the emulator signs webhooks with.
        fault_rate: Share of requests answered with 500/503.
        extra: Emulator-specific options.
    """

    seed: int = 1
    people: int = 100
    rate_limit: int | None = None
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str = "emulator-secret"
    fault_rate: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ConnectorContext:
    """The effects a connector may use, injected so tests can replace them.

    Attributes:
        transport: httpx transport; ``None`` means real network (tests pass an emulator or mock).
        sleep: How to wait (tests pass a recorder).
        monotonic: A monotonic clock in seconds, for rate pacing.
        now: Wall clock, timezone-aware UTC.
        connection: The connection's name from the config (for labels in logs and metrics).
    """

    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _utcnow
    connection: str = ""


@runtime_checkable
class Connector(Protocol):
    """What the core asks of a built connector. All methods may raise ConnectorError."""

    spec: ConnectorSpec

    def read_changes(
        self, object_type: str, *, since: Cursor | None, until: datetime
    ) -> Iterator[Page]:
        """Yield pages of records changed after ``since`` (all when ``None``) and up to ``until``.

        Records come in ascending (updated_at, id) order where the vendor allows, so that the
        caller can advance the cursor page by page.
        """
        ...

    def fetch(self, object_type: str, external_ids: Sequence[str]) -> list[VendorRecord]:
        """Read the given records (batched where the vendor offers it); missing ids are omitted."""
        ...

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Apply writes, batched where the vendor allows; one result per op, in order."""
        ...

    def parse_webhook(self, request: WebhookRequest) -> list[ChangeEvent]:
        """Verify the signature on the raw bytes, then turn the body into id-level events.

        Raises:
            WebhookSignatureError: Bad, missing or stale signature.
            WebhookPayloadError: Signed correctly but not parseable.
        """
        ...

    def setup(self) -> list[str]:
        """Create what the hub needs in the vendor (idempotent); return one line per action."""
        ...

    def close(self) -> None:
        """Release HTTP connections."""
        ...


@dataclass(frozen=True)
class ConnectorSpec:
    """Everything the core needs to know about a connector package.

    Attributes:
        name: Unique connector name used in config (``greenhouse``).
        system: ``crm`` or ``ats``.
        version: The connector's version.
        settings_model: Pydantic model of the connection's settings (``extra="forbid"``).
        object_types: Object type name → vendor schema model of one record.
        factory: Builds a connector from validated settings and a context.
        emulator: Builds the vendor emulator as an ASGI app, if the connector ships one.
        description: One line for ``hub connectors``.
    """

    name: str
    system: System
    version: str
    settings_model: type[BaseModel]
    object_types: Mapping[str, type[BaseModel]]
    factory: Callable[[Any, ConnectorContext], Connector]
    emulator: Callable[[EmulatorOptions], Any] | None = None
    description: str = ""

    def build(
        self, settings: Mapping[str, Any] | BaseModel, context: ConnectorContext
    ) -> Connector:
        """Validate ``settings`` with the spec's model and build a connector."""
        model = (
            settings
            if isinstance(settings, self.settings_model)
            else self.settings_model.model_validate(settings)
        )
        return self.factory(model, context)


class ConnectorRegistry:
    """Collects ConnectorSpecs from the ``hub_register_connectors`` hook; names must be unique."""

    def __init__(self) -> None:
        self._specs: dict[str, ConnectorSpec] = {}
        self._owners: dict[str, str] = {}
        self.current_plugin = ""

    def add(self, spec: ConnectorSpec) -> None:
        """Register a connector.

        Raises:
            ConfigError: When another plugin registered the same name.
        """
        from hub.errors import ConfigError

        if spec.name in self._specs:
            raise ConfigError(
                f"connector {spec.name!r} is registered twice "
                f"(by {self._owners[spec.name]!r} and {self.current_plugin!r}); "
                "uninstall one or block it with HUB_DISABLED_PLUGINS"
            )
        self._specs[spec.name] = spec
        self._owners[spec.name] = self.current_plugin

    def specs(self) -> dict[str, ConnectorSpec]:
        """All registered specs by name."""
        return dict(self._specs)
