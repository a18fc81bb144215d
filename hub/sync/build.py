"""Assemble a runnable :class:`PairSync` from the configuration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from hub.config import HubConfig
from hub.connector import Connector, ConnectorContext
from hub.errors import ConfigError
from hub.mapping.loader import LoadedMapping, load_mapping, vendor_models_of
from hub.mapping.transforms import builtin_registry
from hub.plugins import HubPlugins
from hub.sync.identity import EmailMatcher
from hub.sync.pairing import Side, merge_policies
from hub.sync.runner import PairSync

__all__ = ["build_pair", "load_pair_mappings"]

# The vendor object that is the person, per system, until mappings say so themselves.
PERSON_OBJECTS = {"crm": "contact", "ats": "candidate"}


def load_pair_mappings(
    config: HubConfig, pair_name: str, plugins: HubPlugins, *, base: Path | None = None
) -> dict[str, LoadedMapping]:
    """Load and check every mapping file of a pair, keyed by its configured name.

    Raises:
        ConfigError: With every problem of every file.
    """
    pair = config.sync_pairs[pair_name]
    registry = builtin_registry(plugins.transforms)
    models = vendor_models_of(plugins.connectors)
    loaded: dict[str, LoadedMapping] = {}
    problems = []
    root = base or (
        Path(config.source).parent if config.source and config.source != "<defaults>" else Path()
    )
    for key, path in pair.mappings.items():
        full = Path(path) if Path(path).is_absolute() else root / path
        try:
            loaded[key] = load_mapping(full, registry=registry, vendor_models=models)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return loaded


def build_pair(
    config: HubConfig,
    pair_name: str,
    *,
    plugins: HubPlugins,
    sessions: sessionmaker[Session],
    now: Callable[[], datetime],
    context: Callable[[str], ConnectorContext] | None = None,
) -> tuple[PairSync, list[Connector]]:
    """Build the pair's sync and the connectors it opened (the caller closes them).

    Args:
        config: The configuration.
        pair_name: A key of ``config.sync_pairs``.
        plugins: Installed plugins.
        sessions: Store sessions.
        now: Wall clock.
        context: Builds each connection's ConnectorContext (tests inject transports).
    """
    if pair_name not in config.sync_pairs:
        known = ", ".join(sorted(config.sync_pairs)) or "none configured"
        raise ConfigError(f"no sync pair named {pair_name!r} ({known})")
    pair = config.sync_pairs[pair_name]
    mappings = load_pair_mappings(config, pair_name, plugins)
    opened: list[Connector] = []
    sides: dict[str, Side] = {}
    for system in ("crm", "ats"):
        connection = getattr(pair, system)
        conn = config.connections[connection]
        spec = plugins.connector(conn.connector)
        object_type = PERSON_OBJECTS[system]
        chosen = [
            m
            for m in mappings.values()
            if m.spec.connector == spec.name
            and m.spec.object_type == object_type
            and m.spec.canonical == "person"
        ]
        if not chosen:
            raise ConfigError(
                f"sync pair {pair_name!r}: no mapping for {spec.name} {object_type} "
                f"(add one under sync_pairs.{pair_name}.mappings)"
            )
        ctx = context(connection) if context else ConnectorContext(connection=connection, now=now)
        connector = spec.build(conn.settings, ctx)
        opened.append(connector)
        sides[system] = Side(system, connection, connector, object_type, chosen[0].mapping)
    policies = merge_policies(sides["crm"].mapping.policies, sides["ats"].mapping.policies)
    ats = sides["ats"]
    applications = next(
        (
            Side("ats", ats.connection, ats.connector, m.spec.object_type, m.mapping)
            for m in mappings.values()
            if m.spec.connector == ats.connector.spec.name and m.spec.canonical == "application"
        ),
        None,
    )
    sync = PairSync(
        pair_name,
        crm=sides["crm"],
        ats=sides["ats"],
        policies=policies,
        sessions=sessions,
        matcher=EmailMatcher(),
        now=now,
        lookback=pair.lookback,
        batch_size=pair.batch_size,
        applications=applications,
        person_fields=config.webhooks.person_fields,
    )
    return sync, opened
