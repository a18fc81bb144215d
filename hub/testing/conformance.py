"""The conformance suite every connector passes, against its own emulator over real HTTP.

A connector's tests subclass :class:`ConnectorConformance` and say how to configure the
connector for an emulator and what a sample write and a signed webhook look like::

    class TestConformance(ConnectorConformance):
        connector_name = "acme"

        def settings_for(self, base_url: str) -> dict[str, object]: ...
        def sample_upsert(self) -> WriteOp | None: ...
        def signed_webhook(self, base_url: str, now: datetime) -> WebhookRequest: ...

Requires pytest (the ``dev`` extra).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from hub.connector import (
    Connector,
    ConnectorContext,
    ConnectorSpec,
    Cursor,
    EmulatorOptions,
    VendorRecord,
    WebhookRequest,
    WriteOp,
)
from hub.errors import WebhookSignatureError
from hub.plugins import HubPlugins
from hub.testing.server import serve_app

__all__ = ["ConnectorConformance"]


class ConnectorConformance:
    """Shared tests; subclasses set ``connector_name`` and implement the three hooks below."""

    connector_name: ClassVar[str] = ""
    emulator_people: ClassVar[int] = 40

    def settings_for(self, base_url: str) -> dict[str, Any]:
        """Connection settings that point the connector at the emulator at ``base_url``."""
        raise NotImplementedError

    def sample_upsert(self) -> WriteOp | None:
        """A write the vendor treats idempotently (an upsert), or ``None`` if it offers none."""
        raise NotImplementedError

    def signed_webhook(self, base_url: str, now: datetime) -> WebhookRequest:
        """A correctly signed webhook as the vendor would send it to the hub."""
        raise NotImplementedError

    @pytest.fixture
    def spec(self) -> ConnectorSpec:
        """The connector's spec, found through the installed entry points."""
        return HubPlugins.load(environ={}).connector(self.connector_name)

    @pytest.fixture
    def emulator_url(self, spec: ConnectorSpec) -> Iterator[str]:
        """The connector's emulator, seeded and unthrottled, on a loopback port."""
        assert spec.emulator is not None, f"{spec.name} ships no emulator"
        app = spec.emulator(EmulatorOptions(seed=7, people=self.emulator_people, rate_limit=0))
        with serve_app(app) as url:
            yield url

    @pytest.fixture
    def connector(self, spec: ConnectorSpec, emulator_url: str) -> Iterator[Connector]:
        """The connector configured against the emulator."""
        built = spec.build(self.settings_for(emulator_url), ConnectorContext(connection="conf"))
        try:
            yield built
        finally:
            built.close()

    def _read_all(
        self, connector: Connector, object_type: str, **window: Any
    ) -> list[VendorRecord]:
        until = window.pop("until", datetime.now(UTC) + timedelta(minutes=1))
        return [
            record
            for page in connector.read_changes(object_type, since=window.get("since"), until=until)
            for record in page.records
        ]

    def test_spec_is_complete(self, spec: ConnectorSpec) -> None:
        """The spec names a system, object types with schemas, and strict settings."""
        assert spec.system in ("crm", "ats")
        assert spec.object_types
        assert spec.settings_model.model_config.get("extra") == "forbid"
        for model in spec.object_types.values():
            assert issubclass(model, BaseModel)

    def test_reads_every_object_type_to_the_end(
        self, spec: ConnectorSpec, connector: Connector
    ) -> None:
        """Every object type reads to the last page, each record once, valid per schema."""
        for object_type, model in spec.object_types.items():
            records = self._read_all(connector, object_type)
            ids = [r.external_id for r in records]
            assert records, f"{object_type}: the emulator returned nothing"
            assert len(ids) == len(set(ids)), f"{object_type}: a record was read twice"
            for record in records[:20]:
                model.model_validate(record.data)
                assert record.updated_at.tzinfo is not None

    def test_reads_never_pass_until_and_resume_after_the_cursor(
        self, spec: ConnectorSpec, connector: Connector
    ) -> None:
        """``until`` caps a read; a cursor resumes with everything after it."""
        object_type = next(iter(spec.object_types))
        everything = sorted(
            self._read_all(connector, object_type), key=lambda r: (r.updated_at, r.external_id)
        )
        assert len(everything) >= 2
        middle = everything[len(everything) // 2]
        until = everything[-1].updated_at
        capped = self._read_all(connector, object_type, until=middle.updated_at)
        assert all(r.updated_at <= middle.updated_at for r in capped)
        since = Cursor(updated_at=middle.updated_at - timedelta(seconds=1), last_id="")
        later = self._read_all(connector, object_type, since=since, until=until)
        assert {r.external_id for r in later} >= {
            r.external_id for r in everything if r.updated_at >= middle.updated_at
        }
        assert all(r.updated_at > since.updated_at for r in later)

    def test_upsert_is_idempotent(self, connector: Connector) -> None:
        """The same upsert twice leaves one record."""
        op = self.sample_upsert()
        if op is None:
            pytest.skip("the vendor offers no idempotent upsert; the hub's write ledger applies")
        first, second = connector.write([op])[0], connector.write([op])[0]
        assert first.ok, first.error
        assert second.ok, second.error
        assert first.external_id == second.external_id

    def test_webhook_signature_is_checked_on_the_raw_body(
        self, connector: Connector, emulator_url: str
    ) -> None:
        """A signed webhook parses; a tampered or unsigned one is refused."""
        now = datetime.now(UTC)
        good = self.signed_webhook(emulator_url, now)
        assert isinstance(connector.parse_webhook(good), list)
        tampered = dataclasses.replace(good, body=good.body.replace(b"1", b"2", 1) + b" ")
        with pytest.raises(WebhookSignatureError):
            connector.parse_webhook(tampered)
        unsigned = dataclasses.replace(
            good, headers={k: v for k, v in good.headers.items() if "signature" not in k}
        )
        with pytest.raises(WebhookSignatureError):
            connector.parse_webhook(unsigned)
