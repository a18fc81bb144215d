"""Health checks shared by ``hub doctor`` and the service's readiness probe."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from hub.config import HubConfig
from hub.store import create_store_engine, current_revision, head_revisions

__all__ = ["Check", "check_database", "check_redis", "redact_url"]


@dataclass(frozen=True)
class Check:
    """The outcome of one check: ``ok`` and a line saying why."""

    name: str
    ok: bool
    detail: str


def redact_url(url: str) -> str:
    """The URL without its password, for display."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - any unparsable URL is shown as unknown, never raw
        return "<unparsable URL>"


def check_database(config: HubConfig, engine: Engine | None = None) -> Check:
    """Is the database reachable, and are its migrations current?

    Args:
        config: The configuration (its ``database_url`` is shown, password hidden).
        engine: An engine to reuse (a running service's); a temporary one otherwise.
    """
    shown = redact_url(config.database_url)
    try:
        probe = engine or create_store_engine(config.database_url)
        try:
            with probe.connect() as connection:
                connection.execute(text("SELECT 1"))
            current, heads = current_revision(probe), head_revisions(probe)
        finally:
            if engine is None:
                probe.dispose()
    except SQLAlchemyError as exc:
        cause = type(getattr(exc, "orig", None) or exc).__name__
        return Check("database", False, f"{shown}: unreachable ({cause})")
    if current != heads:
        at = ",".join(sorted(current)) or "no migrations"
        return Check("database", False, f"{shown}: at {at}; run `hub db upgrade`")
    return Check("database", True, f"{shown}: reachable, migrations current")


def check_redis(config: HubConfig) -> Check:
    """Is Redis reachable? With none configured, jobs run in-process (embedded mode)."""
    if config.embedded_queue:
        return Check("queue", True, "embedded (no redis_url): jobs run in-process")
    shown = redact_url(config.redis_url)
    try:
        client = redis.Redis.from_url(config.redis_url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return Check("queue", False, f"{shown}: unreachable ({type(exc).__name__})")
    return Check("queue", True, f"{shown}: reachable")
