"""Every hook a plugin can implement. Each docstring is that hook's reference.

Plugins implement hooks with ``from hub import hookimpl``. Bundled connectors register exactly as
a third-party package would: through the ``hub`` entry-point group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from hub.connector import ConnectorRegistry
    from hub.mapping.registry import TransformRegistry

hookspec = pluggy.HookspecMarker("hub")


@hookspec
def hub_register_connectors(registry: ConnectorRegistry) -> None:
    """Register connectors by calling ``registry.add(ConnectorSpec(...))``.

    Called once, when the plugin manager is built; every implementation is called. A name
    registered twice is a configuration error naming both plugins.

    Args:
        registry: The registry to add :class:`hub.connector.ConnectorSpec` objects to.
    """


@hookspec
def hub_register_transforms(registry: TransformRegistry) -> None:
    """Register named value transforms usable from mapping YAML.

    Called once per plugin manager; every implementation is called. Transforms must be pure
    functions ``func(value, **params) -> value``: no I/O, no clock, no environment.

    Args:
        registry: The registry to add transforms to with ``registry.add(name, func, ...)``.
    """


@hookspec(historic=True)
def hub_configure(config: Any) -> None:
    """Called once after the hub's configuration has loaded, like ``pytest_configure``.

    Historic: a plugin registered later still receives the call.

    Args:
        config: The validated :class:`hub.config.HubConfig`.
    """
