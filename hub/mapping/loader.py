"""Loading mapping files: read YAML, validate, compile; every problem located, all at once.

This is the only module of :mod:`hub.mapping` that reads files. The vendor schemas come in as a
parameter (``connector → object type → pydantic model``), usually from
``{name: spec.object_types for name, spec in HubPlugins.load().connectors.items()}``, so tests
can pass their own models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.connector import ConnectorSpec
from hub.errors import ConfigError, Problem
from hub.mapping.compiler import compile_mapping
from hub.mapping.engine import CompiledMapping
from hub.mapping.registry import TransformRegistry
from hub.mapping.spec import MappingSpec, Rule
from hub.mapping.transforms import builtin_registry
from hub.yamlfile import YamlDocument, load_yaml, parse_yaml, problems_from_validation

__all__ = [
    "LoadedMapping",
    "VendorModels",
    "compile_document",
    "load_mapping",
    "load_mapping_text",
    "vendor_models_of",
]

VendorModels = Mapping[str, Mapping[str, type[BaseModel]]]


@dataclass(frozen=True)
class LoadedMapping:
    """A mapping file, checked and compiled.

    Attributes:
        mapping: The compiled mapping, ready to run.
        spec: The parsed file.
        vendor_checked: Whether vendor paths were checked (False when the connector is not
            installed).
    """

    mapping: CompiledMapping[Any]
    spec: MappingSpec
    vendor_checked: bool


def vendor_models_of(connectors: Mapping[str, ConnectorSpec]) -> dict[str, dict[str, Any]]:
    """``connector → object type → vendor model`` from the installed connectors' specs."""
    return {name: dict(spec.object_types) for name, spec in connectors.items()}


def _vendor_schema(
    spec: MappingSpec, doc: YamlDocument, vendor_models: VendorModels
) -> tuple[dict[str, Any] | None, list[Problem]]:
    types = vendor_models.get(spec.connector)
    if types is None:
        return None, []
    key = "record_type" if spec.record_type else "object_type"
    name = spec.record_type or spec.object_type
    model = types.get(name)
    if model is None:
        known = ", ".join(sorted(types)) or "none"
        msg = f"connector {spec.connector!r} has no object type {name!r} (it has: {known})"
        return None, [doc.problem((key,), msg)]
    return model.model_json_schema(), []


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def _validate(
    doc: YamlDocument,
) -> tuple[MappingSpec | None, list[Problem], dict[str, list[int]]]:
    """Validate the file rule by rule, so that one malformed rule does not hide the others.

    Returns:
        The spec holding the valid rules (``None`` when the file itself is malformed), the
        problems found, and per direction the file index of each rule kept.
    """
    if not isinstance(doc.data, dict):
        return None, [doc.problem((), "a mapping file must be a YAML mapping (key: value)")], {}
    data = dict(doc.data)
    problems: list[Problem] = []
    positions: dict[str, list[int]] = {}
    for direction in ("inbound", "outbound"):
        raw = data.get(direction)
        if not isinstance(raw, list):
            continue  # not a list: the whole-file validation below reports it
        kept: list[Rule] = []
        positions[direction] = []
        for i, item in enumerate(raw):
            try:
                kept.append(Rule.model_validate(item))
            except ValidationError as exc:
                prefix = (direction, i)
                problems += problems_from_validation(exc, doc, model=Rule, prefix=prefix)
                continue
            positions[direction].append(i)
        data[direction] = kept
    try:
        spec = MappingSpec.model_validate(data)
    except ValidationError as exc:
        return None, problems + problems_from_validation(exc, doc, model=MappingSpec), positions
    return spec, problems, positions


def compile_document(
    doc: YamlDocument,
    *,
    registry: TransformRegistry | None = None,
    vendor_models: VendorModels,
) -> LoadedMapping:
    """Validate and compile a parsed mapping document.

    Args:
        doc: The parsed YAML.
        registry: Every available transform; default: the built-ins only.
        vendor_models: ``connector → object type → vendor model``; a connector missing here
            skips the vendor-path checks.

    Raises:
        ConfigError: With every problem found, each as ``file:line:column: key.path: message``.
    """
    spec, problems, positions = _validate(doc)
    if spec is None:
        raise ConfigError(_in_file_order(problems))
    schema, vendor_problems = _vendor_schema(spec, doc, vendor_models)
    compiled, issues = compile_mapping(
        spec,
        registry=registry if registry is not None else builtin_registry(),
        vendor_schema=schema,
        file=doc.file,
        positions=positions,
    )
    problems += vendor_problems + [doc.problem(i.loc, i.message, key=i.key) for i in issues]
    if problems or compiled is None:
        raise ConfigError(_in_file_order(problems))
    return LoadedMapping(compiled, spec, vendor_checked=schema is not None)


def load_mapping(
    path: str | Path,
    *,
    registry: TransformRegistry | None = None,
    vendor_models: VendorModels,
) -> LoadedMapping:
    """Read, validate and compile one mapping file.

    Raises:
        ConfigError: With every problem in the file.
    """
    return compile_document(load_yaml(path), registry=registry, vendor_models=vendor_models)


def load_mapping_text(
    text: str,
    *,
    file: str = "<mapping>",
    registry: TransformRegistry | None = None,
    vendor_models: VendorModels,
) -> LoadedMapping:
    """Validate and compile mapping YAML given as text (tests, previews of unsaved edits).

    Raises:
        ConfigError: With every problem in the text.
    """
    doc = parse_yaml(text, file=file)
    return compile_document(doc, registry=registry, vendor_models=vendor_models)
