from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from hub.mapping.loader import LoadedMapping, load_mapping, load_mapping_text
from hub.mapping.registry import TransformRegistry

FIXTURES = Path(__file__).parent / "fixtures"
MAPPINGS = Path(__file__).parents[2] / "mappings"


class ContactModel(BaseModel):
    """Test stand-in for the HubSpot contact schema."""

    model_config = ConfigDict(extra="allow")

    id: str
    properties: dict[str, str | None] = Field(default_factory=dict)
    createdAt: datetime
    updatedAt: datetime
    archived: bool = False


class ValueModel(BaseModel):
    value: str
    type: str | None = None


class CandidateModel(BaseModel):
    """Test stand-in for a Greenhouse candidate (the v1 fixture fields)."""

    model_config = ConfigDict(extra="allow")

    id: int
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    can_email: bool = True
    email_addresses: list[ValueModel] = Field(default_factory=list)
    phone_numbers: list[ValueModel] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    updated_at: datetime


TEST_MODELS: dict[str, dict[str, type[BaseModel]]] = {
    "hubspot": {"contact": ContactModel},
    "greenhouse": {"candidate": CandidateModel},
}


@pytest.fixture
def fixture_record() -> Callable[[str], Any]:
    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def make_mapping() -> Callable[..., LoadedMapping]:
    """Compile mapping YAML text against the test vendor models."""

    def make(
        text: str,
        *,
        registry: TransformRegistry | None = None,
        vendor_models: dict[str, dict[str, type[BaseModel]]] | None = None,
        file: str = "test.yaml",
    ) -> LoadedMapping:
        models = TEST_MODELS if vendor_models is None else vendor_models
        return load_mapping_text(text, file=file, registry=registry, vendor_models=models)

    return make


@pytest.fixture
def shipped() -> Callable[[str], LoadedMapping]:
    """Load a shipped mapping without vendor checks (those are tested against the connectors)."""

    def load(name: str) -> LoadedMapping:
        return load_mapping(MAPPINGS / name, vendor_models={})

    return load
