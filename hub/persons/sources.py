"""Person records of a live connection, for a read-only scan (``hub dedupe scan --connection``).

The records are read through the plugin manager and mapped with the connection's person
mapping, exactly as the sync builds its sides (:mod:`hub.sync.build`); nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.config import HubConfig
from hub.connector import ConnectorContext
from hub.dedup.records import RawValue, person_fields
from hub.errors import ConfigError
from hub.mapping.engine import CompiledMapping
from hub.models import Person
from hub.plugins import HubPlugins
from hub.sync.build import PERSON_OBJECTS, load_pair_mappings

__all__ = ["ConnectionRead", "person_mapping", "read_connection_persons"]

Record = tuple[str, dict[str, RawValue], str]


@dataclass
class ConnectionRead:
    """Counts of one read: records read, and those the mapping could not map (skipped)."""

    read: int = 0
    unmappable: int = 0
    object_type: str = ""
    progress: Callable[[int], None] | None = field(default=None, repr=False)


def person_mapping(
    config: HubConfig, plugins: HubPlugins, connection: str
) -> tuple[str, CompiledMapping[Any]]:
    """The person object type of a connection and the mapping that makes it a canonical person.

    The mapping is the one a sync pair of this connection uses.

    Raises:
        ConfigError: No such connection, or no sync pair maps its persons.
    """
    conn = config.connections.get(connection)
    if conn is None:
        known = ", ".join(sorted(config.connections)) or "none configured"
        raise ConfigError(f"no connection named {connection!r} ({known})")
    spec = plugins.connector(conn.connector)
    object_type = PERSON_OBJECTS[spec.system]
    for pair_name, pair in config.sync_pairs.items():
        if connection not in (pair.crm, pair.ats):
            continue
        for loaded in load_pair_mappings(config, pair_name, plugins).values():
            if (loaded.spec.connector, loaded.spec.object_type, loaded.spec.canonical) == (
                spec.name,
                object_type,
                "person",
            ):
                return object_type, loaded.mapping
    raise ConfigError(
        f"connection {connection!r}: no sync pair has a person mapping for "
        f"{spec.name} {object_type} (add one under sync_pairs.<pair>.mappings)"
    )


def read_connection_persons(
    config: HubConfig,
    plugins: HubPlugins,
    connection: str,
    *,
    counts: ConnectionRead,
    now: Callable[[], datetime] | None = None,
    context: ConnectorContext | None = None,
) -> Iterator[Record]:
    """Read every person record of a connection as ``(external id, match fields, connection)``.

    Args:
        config: The configuration.
        plugins: Installed plugins.
        connection: The connection's name.
        counts: Filled in while reading (records read, records not mappable).
        now: Wall clock; the read goes up to now.
        context: The connector context (tests inject a transport).

    Raises:
        ConfigError: See :func:`person_mapping`.
        ConnectorError: The vendor could not be read.
    """
    object_type, mapping = person_mapping(config, plugins, connection)
    counts.object_type = object_type
    clock = now or (lambda: datetime.now(UTC))
    conn = config.connections[connection]
    connector = plugins.connector(conn.connector).build(
        conn.settings, context or ConnectorContext(connection=connection, now=clock)
    )
    try:
        for page in connector.read_changes(object_type, since=None, until=clock()):
            for record in page.records:
                counts.read += 1
                mapped = mapping.to_canonical(record.data)
                if not isinstance(mapped.value, Person):
                    counts.unmappable += 1
                    continue
                fields: dict[str, RawValue] = dict(person_fields(mapped.value))
                yield record.external_id, fields, connection
            if counts.progress is not None:
                counts.progress(len(page.records))
    finally:
        connector.close()
