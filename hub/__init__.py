"""talent-hub: keeps a recruiting CRM and an ATS in sync.

The public API that connector packages may import is listed in ``__all__``.
"""

from __future__ import annotations

from hub.connector import (
    Connector,
    ConnectorContext,
    ConnectorRegistry,
    ConnectorSpec,
    Cursor,
    EmulatorOptions,
    Page,
    VendorRecord,
    WebhookRequest,
    WriteOp,
    WriteResult,
)
from hub.plugins import hookimpl

__version__ = "0.1.0"

__all__ = [
    "Connector",
    "ConnectorContext",
    "ConnectorRegistry",
    "ConnectorSpec",
    "Cursor",
    "EmulatorOptions",
    "Page",
    "VendorRecord",
    "WebhookRequest",
    "WriteOp",
    "WriteResult",
    "__version__",
    "hookimpl",
]
