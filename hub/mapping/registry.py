"""The registry of named value transforms usable from mapping YAML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.errors import ConfigError

__all__ = ["TransformFunc", "TransformRegistry", "TransformSpec", "TransformValueError"]

TransformFunc = Callable[..., Any]


class TransformValueError(ValueError):
    """A transform cannot handle a value; the message says why without quoting the value.

    Transforms raise it for bad data; the engine turns it into a field error for that record
    (other exceptions are reported by type only, since their text may quote personal data).
    """


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

    def add_spec(self, spec: TransformSpec) -> None:
        """Register an already-built spec under its name.

        Raises:
            ConfigError: When the name is taken.
        """
        self.add(
            spec.name,
            spec.func,
            accepts=spec.accepts,
            returns=spec.returns,
            description=spec.description,
        )

    def update(self, other: TransformRegistry) -> None:
        """Add every transform of ``other`` (e.g. the plugins' ones on top of the built-ins).

        Raises:
            ConfigError: When a name is in both.
        """
        for name in other.names():
            spec = other.get(name)
            if spec is not None:
                self.add_spec(spec)

    def get(self, name: str) -> TransformSpec | None:
        """The transform registered under ``name``, or ``None``."""
        return self._specs.get(name)

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._specs)
