"""The only plugin manager, built by a function, behind a typed facade.

Nothing happens at import time: :func:`get_plugin_manager` builds a manager, loads the ``hub``
entry points (bundled connectors included), and blocks plugins named in
``HUB_DISABLED_PLUGINS`` (comma-separated). The core reaches hook results only through
:class:`HubPlugins`, never through the untyped ``pm.hook`` relay.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pluggy

from hub import hookspecs
from hub.connector import ConnectorRegistry, ConnectorSpec
from hub.errors import ConfigError
from hub.mapping.registry import TransformRegistry

__all__ = ["ENTRY_POINT_GROUP", "HubPlugins", "get_plugin_manager", "hookimpl"]

ENTRY_POINT_GROUP = "hub"
hookimpl = pluggy.HookimplMarker("hub")


def get_plugin_manager(
    *, load_entry_points: bool = True, environ: Mapping[str, str] | None = None
) -> pluggy.PluginManager:
    """Build a plugin manager with the hub's hookspecs and installed plugins.

    Args:
        load_entry_points: Load plugins from the ``hub`` entry-point group.
        environ: Environment to read ``HUB_DISABLED_PLUGINS`` from (default ``os.environ``).

    Returns:
        A checked plugin manager.
    """
    pm = pluggy.PluginManager("hub")
    pm.add_hookspecs(hookspecs)
    env = os.environ if environ is None else environ
    for name in env.get("HUB_DISABLED_PLUGINS", "").split(","):
        if name.strip():
            pm.set_blocked(name.strip())
    if load_entry_points:
        _load_entry_points(pm)
    pm.check_pending()
    return pm


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    """Load the ``hub`` entry points; a plugin that fails to import is named in the error."""
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if pm.is_blocked(entry_point.name) or pm.has_plugin(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:
            raise ConfigError(
                f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: "
                f"{type(exc).__name__}: {exc}; fix or uninstall it, or block it with "
                "HUB_DISABLED_PLUGINS"
            ) from exc
        pm.register(plugin, name=entry_point.name)


class HubPlugins:
    """Typed access to what plugins provide.

    Args:
        pm: A manager from :func:`get_plugin_manager`.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    @classmethod
    def load(cls, *, environ: Mapping[str, str] | None = None) -> HubPlugins:
        """Build a manager from the installed entry points and wrap it."""
        return cls(get_plugin_manager(environ=environ))

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register a plugin object (a module or instance with ``@hookimpl`` functions)."""
        self.pm.register(plugin, name=name)
        self.pm.check_pending()
        self.__dict__.pop("connectors", None)
        self.__dict__.pop("transforms", None)

    @cached_property
    def connectors(self) -> dict[str, ConnectorSpec]:
        """Every registered connector by name.

        Raises:
            ConfigError: When two plugins register the same connector name.
        """
        registry = ConnectorRegistry()
        impls = self.pm.hook.hub_register_connectors.get_hookimpls()
        for impl in impls:
            registry.current_plugin = impl.plugin_name
            impl.function(registry=registry)
        return registry.specs()

    @cached_property
    def transforms(self) -> TransformRegistry:
        """Every transform registered by plugins (the core's built-ins are added by the caller)."""
        registry = TransformRegistry()
        self.pm.hook.hub_register_transforms(registry=registry)
        return registry

    def connector(self, name: str) -> ConnectorSpec:
        """The spec of connector ``name``.

        Raises:
            ConfigError: When no installed connector has that name.
        """
        specs = self.connectors
        if name not in specs:
            known = ", ".join(sorted(specs)) or "none"
            raise ConfigError(f"no connector named {name!r} is installed (installed: {known})")
        return specs[name]

    def configure(self, config: Any) -> None:
        """Call ``hub_configure`` (historic) with the loaded configuration."""
        self.pm.hook.hub_configure.call_historic(kwargs={"config": config})
