"""Assemble a runnable :class:`PairSync` from the configuration."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from hub.config import HubConfig
from hub.connector import Connector, ConnectorContext
from hub.dedup.weights import Weights
from hub.dedupe_io import load_match_spec
from hub.errors import ConfigError
from hub.mapping.loader import LoadedMapping, load_mapping, vendor_models_of
from hub.mapping.transforms import builtin_registry
from hub.plugins import HubPlugins
from hub.rules_io import load_rules
from hub.sync.identity import EmailMatcher, Matcher
from hub.sync.pairing import Side, merge_policies
from hub.sync.runner import PairSync
from hub.sync.scored import ScoredMatcher

__all__ = ["build_pair", "load_pair_mappings"]

# The vendor object that is the person, per system, until mappings say so themselves.
PERSON_OBJECTS = {"crm": "contact", "ats": "candidate"}
SHIPPED_MATCH = Path(__file__).resolve().parents[2] / "mappings" / "match.persons.yaml"
# A process keeps the weights it estimated for each pair's scored matcher (estimating reads a
# sample of the store), and estimates them again after this long.
WEIGHTS_TTL = timedelta(minutes=10)
_WEIGHTS: dict[tuple[str, str, str], tuple[Weights, datetime, float]] = {}
_WEIGHTS_LOCK = threading.Lock()
_MAPPINGS: dict[tuple[str, int, int], LoadedMapping] = {}
_MAPPINGS_LOCK = threading.Lock()


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
            loaded[key] = _compiled(
                full, plugins, partial(load_mapping, full, registry=registry, vendor_models=models)
            )
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return loaded


def _compiled(path: Path, plugins: HubPlugins, load: Callable[[], LoadedMapping]) -> LoadedMapping:
    """A mapping file compiled once per process (again when the file changes).

    Every job builds its pair afresh; parsing and compiling the YAML each time is most of that.
    """
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return load()  # the loader reports the missing file with its location
    key = (str(path.resolve()), stamp, id(plugins))
    with _MAPPINGS_LOCK:
        found = _MAPPINGS.get(key)
    if found is None:
        found = load()
        with _MAPPINGS_LOCK:
            _MAPPINGS[key] = found
    return found


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
    rules = None
    if pair.rules:
        path = Path(pair.rules) if Path(pair.rules).is_absolute() else _root(config) / pair.rules
        rules = load_rules(path)
    connectors = config.connector_names
    # everything that can fail on a configuration mistake comes before a connector is opened
    matcher = _matcher(
        config, pair_name, sessions=sessions, now=now, root=_root(config), connectors=connectors
    )
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
        matcher=matcher,
        now=now,
        lookback=pair.lookback,
        batch_size=pair.batch_size,
        applications=applications,
        person_fields=config.webhooks.person_fields,
        rules=rules,
        propagate_erasure=pair.propagate_erasure,
    )
    return sync, opened


def _root(config: HubConfig) -> Path:
    """Where relative paths of the config are relative to: the config file's folder."""
    return Path(config.source).parent if config.source and config.source != "<defaults>" else Path()


def _matcher(
    config: HubConfig,
    pair_name: str,
    *,
    sessions: sessionmaker[Session],
    now: Callable[[], datetime],
    root: Path,
    connectors: dict[str, str],
) -> Matcher:
    """The pair's identity matcher.

    The scored matcher's index is in the store; loading it indexes the persons it lacks (an
    upgraded store, an edited match config) and commits that.

    Raises:
        ConfigError: The match config is missing or invalid.
    """
    pair = config.sync_pairs[pair_name]
    if pair.identity == "email":
        return EmailMatcher()
    path = SHIPPED_MATCH if pair.match is None else Path(pair.match)
    if not path.is_absolute():
        path = root / path
    try:
        stamp = path.stat().st_mtime
    except OSError as exc:
        raise ConfigError(f"sync pair {pair_name!r}: match config {path}: {exc.strerror}") from None
    spec = load_match_spec(path)
    key = (config.database_url, pair_name, str(path))
    moment = now()
    with _WEIGHTS_LOCK:
        cached = _WEIGHTS.get(key)
    weights = None
    if cached is not None and cached[2] == stamp and moment - cached[1] <= WEIGHTS_TTL:
        weights = cached[0]
    with sessions() as session:
        matcher = ScoredMatcher.load(
            session,
            spec,
            now=now,
            connectors=connectors,
            weights=weights,
            checkpoint=session.commit,
        )
        session.commit()
    if matcher.estimated:
        with _WEIGHTS_LOCK:
            _WEIGHTS[key] = (matcher.weights, moment, stamp)
    return matcher
