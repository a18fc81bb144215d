"""The registry of named value transforms usable from mapping YAML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.errors import ConfigError

__all__ = ["TransformFunc", "TransformRegistry", "TransformSpec"]

TransformFunc = Callable[..., Any]


@dataclass(frozen=True)
class TransformSpec:
    """A named, pure transform.

    Attributes:
        name: Name used in YAML (``lower``, ``greenhouse.primary_email``).
        func: ``func(value, **params) -> value``; must be pure.
        accepts: Python types of values it accepts (for load-time type checks); empty = any.
        returns: Python type it returns, or ``None`` for any.
        description: One line for documentation and error messages.
    """

    name: str
    func: TransformFunc
    accepts: tuple[type, ...] = ()
    returns: type | None = None
    description: str = ""


class TransformRegistry:
    """Named transforms from the core and from plugins (``hub_register_transforms``)."""

    def __init__(self) -> None:
        self._specs: dict[str, TransformSpec] = {}

    def add(
        self,
        name: str,
        func: TransformFunc,
        *,
        accepts: tuple[type, ...] = (),
        returns: type | None = None,
        description: str = "",
    ) -> None:
        """Register a transform under a unique name.

        Raises:
            ConfigError: When the name is taken.
        """
        if name in self._specs:
            raise ConfigError(f"transform {name!r} is registered twice")
        self._specs[name] = TransformSpec(name, func, accepts, returns, description)

    def get(self, name: str) -> TransformSpec | None:
        """The transform registered under ``name``, or ``None``."""
        return self._specs.get(name)

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._specs)
