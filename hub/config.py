"""The hub's configuration: ``config.yaml`` plus the environment, validated with located errors.

Loading reads the YAML keeping positions, replaces ``${VAR}`` and ``${VAR:-default}`` from the
environment, validates with pydantic (unknown keys rejected with a did-you-mean), validates each
connection's settings with its connector's own model, and checks cross-references (sync pairs name
existing connections of the right system). Every problem is reported at once as
``file:line:column: key.path: what is wrong``. Secrets are ``SecretStr`` and never printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from hub.errors import ConfigError, Problem
from hub.plugins import HubPlugins
from hub.webhooks.settings import WebhookSettings
from hub.yamlfile import Loc, YamlDocument, load_yaml, problems_from_validation

__all__ = [
    "ApiConfig",
    "ConnectionConfig",
    "HubConfig",
    "LoggingConfig",
    "SyncPairConfig",
    "load_config",
    "parse_duration",
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_ISO_DURATION = TypeAdapter(timedelta)
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def parse_duration(value: Any) -> timedelta:
    """Parse ``90s``, ``5m``, ``2h``, ``1d``, ``250ms`` or a number of seconds into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(seconds=float(match[1]) * _UNITS[match[2]])
    if isinstance(value, str) and value.upper().startswith("P"):
        try:
            return _ISO_DURATION.validate_python(value)  # ISO 8601, e.g. PT5M
        except ValidationError:
            pass
    raise ValueError("expected a duration such as 30s, 5m, 2h or 1d")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiConfig(_Strict):
    """The HTTP service."""

    listen: str = "127.0.0.1:8000"
    public_url: str | None = None
    admin_tokens: list[SecretStr] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)

    @field_validator("admin_tokens", mode="after")
    @classmethod
    def _drop_empty(cls, tokens: list[SecretStr]) -> list[SecretStr]:
        # `- ${HUB_ADMIN_TOKEN:-}` with the variable unset means "no token", not an empty one.
        return [t for t in tokens if t.get_secret_value()]


class ConnectionConfig(_Strict):
    """One configured vendor account."""

    connector: str
    settings: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class ScheduleConfig(_Strict):
    """When a sync pair runs on its own."""

    every: Duration = timedelta(minutes=5)


class SyncPairConfig(_Strict):
    """A CRM connection kept in sync with an ATS connection."""

    crm: str
    ats: str
    mappings: dict[str, str] = Field(default_factory=dict)
    rules: str | None = None
    schedule: ScheduleConfig | None = None
    lookback: Duration = timedelta(minutes=5)
    batch_size: int = Field(default=100, ge=1, le=1000)
    # An erasure in one system is also requested in the other (HubSpot GDPR delete, Greenhouse
    # anonymization). Off by default: nothing is erased in a vendor without this explicit policy.
    propagate_erasure: bool = False
    # How a record without a link finds its person: `scored` (the dedup engine's match config,
    # with the review queue) or `email` (a shared normalised email only).
    identity: Literal["scored", "email"] = "scored"
    # The match config of `scored` (default: the shipped mappings/match.persons.yaml).
    match: str | None = None


class LoggingConfig(_Strict):
    """Log level and format."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class HubConfig(_Strict):
    """The whole configuration. Defaults give an embedded hub (SQLite, in-process queue)."""

    database_url: str = "sqlite:///hub.db"
    redis_url: str = ""
    auto_migrate: bool = True
    api: ApiConfig = Field(default_factory=ApiConfig)
    connections: dict[str, ConnectionConfig] = Field(default_factory=dict)
    sync_pairs: dict[str, SyncPairConfig] = Field(default_factory=dict)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    source: str = Field(default="", exclude=True)

    @property
    def connector_names(self) -> dict[str, str]:
        """Connection name → connector name (events and payloads name the vendor)."""
        return {name: conn.connector for name, conn in self.connections.items()}

    @property
    def embedded_queue(self) -> bool:
        """True when no Redis is configured and jobs run in-process."""
        return not self.redis_url


def _interpolate(
    node: Any, loc: Loc, env: Mapping[str, str], doc: YamlDocument, problems: list[Problem]
) -> Any:
    if isinstance(node, dict):
        return {k: _interpolate(v, (*loc, k), env, doc, problems) for k, v in node.items()}
    if isinstance(node, list):
        return [_interpolate(v, (*loc, i), env, doc, problems) for i, v in enumerate(node)]
    if not isinstance(node, str) or "${" not in node:
        return node

    def replace(match: re.Match[str]) -> str:
        name, default = match[1], match[2]
        if name in env:
            return env[name]
        if default is not None:
            return default
        problems.append(doc.problem(loc, f"environment variable {name} is not set"))
        return ""

    return _ENV_REF.sub(replace, node)


_ENV_OVERRIDES = {"HUB_DATABASE_URL": "database_url", "HUB_REDIS_URL": "redis_url"}


def load_config(
    path: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    plugins: HubPlugins | None = None,
) -> HubConfig:
    """Load and validate the configuration.

    Args:
        path: The YAML file; ``None`` uses ``$HUB_CONFIG``, else ``config.yaml`` if it exists,
            else the built-in defaults.
        environ: Environment for ``${VAR}`` references and ``HUB_*`` overrides.
        plugins: Installed plugins, to validate connection settings (loaded when ``None``).

    Raises:
        ConfigError: With every problem found, each located in the file.
    """
    env = os.environ if environ is None else environ
    chosen = (
        path or env.get("HUB_CONFIG") or ("config.yaml" if Path("config.yaml").exists() else None)
    )
    if chosen is None:
        doc = YamlDocument(file="<defaults>", data={}, root=None)
    else:
        doc = load_yaml(chosen)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([doc.problem((), "the configuration must be a mapping of keys")])
    problems: list[Problem] = []
    data = _interpolate(data, (), env, doc, problems)
    for var, key in _ENV_OVERRIDES.items():
        if env.get(var):
            data[key] = env[var]
    try:
        config = HubConfig.model_validate({**data, "source": doc.file})
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, doc, model=HubConfig))
        raise ConfigError(problems) from None
    problems.extend(_check_connections(config, doc, plugins or HubPlugins.load()))
    if problems:
        raise ConfigError(problems)
    return config


def _check_connections(config: HubConfig, doc: YamlDocument, plugins: HubPlugins) -> list[Problem]:
    problems: list[Problem] = []
    specs = plugins.connectors
    for name, conn in config.connections.items():
        loc: Loc = ("connections", name)
        spec = specs.get(conn.connector)
        if spec is None:
            known = ", ".join(sorted(specs)) or "none installed"
            problems.append(
                doc.problem((*loc, "connector"), f"unknown connector {conn.connector!r} ({known})")
            )
            continue
        try:
            spec.settings_model.model_validate(conn.settings)
        except ValidationError as exc:
            problems.extend(
                problems_from_validation(
                    exc, doc, model=spec.settings_model, prefix=(*loc, "settings")
                )
            )
    for name, pair in config.sync_pairs.items():
        for role in ("crm", "ats"):
            target = getattr(pair, role)
            paired = config.connections.get(target)
            where: Loc = ("sync_pairs", name, role)
            if paired is None:
                problems.append(doc.problem(where, f"no connection named {target!r}"))
            elif (spec := specs.get(paired.connector)) is not None and spec.system != role:
                problems.append(
                    doc.problem(where, f"connection {target!r} is a {spec.system}, not a {role}")
                )
    return problems
