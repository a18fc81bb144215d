"""The reference documentation lives in docstrings; these tests keep it there."""

from __future__ import annotations

import inspect

import hub
from hub import hookspecs


def test_every_hook_is_documented_with_its_arguments():
    hooks = [
        f
        for name, f in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("hub_")
    ]
    assert hooks
    for hook in hooks:
        doc = inspect.getdoc(hook) or ""
        assert len(doc) > 40, f"{hook.__name__} is undocumented"
        for param in inspect.signature(hook).parameters:
            assert param in doc, f"{hook.__name__} does not document {param!r}"


def test_public_api_is_pinned():
    # Changing what connector packages may import is a reviewed decision: update this list with it.
    assert hub.__all__ == [
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
