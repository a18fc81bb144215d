"""Merging duplicate records in the vendors, after a reviewer approved the hub merge.

A hub merge can be split again; a HubSpot or Greenhouse merge cannot. So the hub never merges
vendor records by itself: only an approval that asks for it (``hub dedupe review --approve ID
--vendor-merge``, or ``vendor_merge: true`` in the API) does, and only for records of the one
person that sit in the same connection. The oldest linked record survives; each other one is
merged into it with the connector's ``merge`` write (``data={"duplicate_id": …}``), recorded in
the write ledger, and its link is dropped once the vendor says it is gone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.config import HubConfig
from hub.connector import Connector, ConnectorContext, WriteOp
from hub.plugins import HubPlugins
from hub.store.tables import LedgerEntry, Link

__all__ = ["VendorMerge", "merge_in_vendors"]


class VendorMerge(BaseModel):
    """One vendor merge asked for: where, which record survived, which went, and how it went."""

    model_config = ConfigDict(frozen=True)

    connection: str
    object_type: str
    survivor: str
    duplicate: str
    ok: bool
    error: str | None = None


def merge_in_vendors(
    session: Session,
    person_id: str,
    *,
    config: HubConfig,
    plugins: HubPlugins,
    now: datetime,
    build: Callable[[str], Connector] | None = None,
) -> list[VendorMerge]:
    """Merge the person's duplicate records in each vendor (the caller's transaction).

    Args:
        session: The store session; ledger entries and dropped links go in its transaction.
        person_id: The person (the survivor of the approved hub merge).
        config: The configuration (connections).
        plugins: Installed connectors.
        now: Wall clock.
        build: Builds a connection's connector (tests inject); default from the config.

    Returns:
        One result per duplicate record.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for connection, object_type, external_id in session.execute(
        select(Link.connection, Link.object_type, Link.external_id)
        .where(Link.person_id == person_id)
        .order_by(Link.id)
    ):
        groups.setdefault((connection, object_type), []).append(external_id)
    results: list[VendorMerge] = []
    for (connection, object_type), ids in groups.items():
        if len(ids) < 2 or connection not in config.connections:
            continue
        connector = (build or _builder(config, plugins))(connection)
        try:
            survivor, duplicates = ids[0], ids[1:]
            ops = [
                WriteOp(
                    object_type=object_type,
                    action="merge",
                    data={"duplicate_id": duplicate},
                    idempotency_key=hashlib.sha256(
                        f"merge|{connection}|{survivor}|{duplicate}".encode()
                    ).hexdigest(),
                    external_id=survivor,
                )
                for duplicate in duplicates
            ]
            answers = connector.write(ops)
        finally:
            connector.close()
        for op, answer in zip(ops, answers, strict=True):
            duplicate = str(op.data["duplicate_id"])
            session.merge(
                LedgerEntry(
                    idempotency_key=op.idempotency_key,
                    connection=connection,
                    object_type=f"{object_type}_merge",
                    external_id=survivor,
                    person_id=person_id,
                    action="merge",
                    payload_hash="",
                    status="done" if answer.ok else "failed",
                    error=answer.error,
                    created_at=now,
                    done_at=now if answer.ok else None,
                )
            )
            if answer.ok:
                session.execute(
                    delete(Link).where(
                        Link.connection == connection,
                        Link.object_type == object_type,
                        Link.external_id == duplicate,
                    )
                )
            results.append(
                VendorMerge(
                    connection=connection,
                    object_type=object_type,
                    survivor=survivor,
                    duplicate=duplicate,
                    ok=answer.ok,
                    error=answer.error,
                )
            )
    return results


def _builder(config: HubConfig, plugins: HubPlugins) -> Callable[[str], Connector]:
    def build(connection: str) -> Connector:
        conn = config.connections[connection]
        spec = plugins.connector(conn.connector)
        return spec.build(conn.settings, ConnectorContext(connection=connection))

    return build
