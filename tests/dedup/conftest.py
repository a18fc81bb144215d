from __future__ import annotations

import copy
from typing import Any

import pytest

from hub.dedup import MatchSpec, Weights, fixed_weights

# A person spec with every weight fixed, so tests do not depend on estimation.
BASE: dict[str, Any] = {
    "fields": {
        "email": {
            "columns": ["email"],
            "normalise": "email",
            "split": ";",
            "m": [0.9, 0.02, 0.08],
            "u": [0.0001, 0.001, 0.9989],
        },
        "phone": {
            "columns": ["phone"],
            "normalise": "phone",
            "m": [0.9, 0.1],
            "u": [0.0001, 0.9999],
        },
        "linkedin": {
            "columns": ["linkedin"],
            "normalise": "linkedin",
            "m": [0.95, 0.05],
            "u": [0.00001, 0.99999],
        },
        "given_name": {
            "columns": ["first_name"],
            "normalise": "given_name",
            "comparator": {"type": "jaro_winkler", "levels": [0.9]},
            "m": [0.85, 0.1, 0.05],
            "u": [0.02, 0.05, 0.93],
        },
        "family_name": {
            "columns": ["last_name"],
            "normalise": "family_name",
            "comparator": {"type": "jaro_winkler", "levels": [0.9]},
            "m": [0.9, 0.07, 0.03],
            "u": [0.01, 0.03, 0.96],
        },
        "company": {
            "columns": ["company"],
            "normalise": "company",
            "comparator": {"type": "token_set", "levels": [0.9]},
            "m": [0.7, 0.1, 0.2],
            "u": [0.005, 0.01, 0.985],
        },
    },
    "blocking": {
        "max_block_size": 50,
        "rules": [
            {"on": ["email"]},
            {"on": ["phone"]},
            {"on": ["linkedin"]},
            {"on": ["family_name", "given_name"]},
        ],
    },
    "guard": {
        "strong": ["email", "phone", "linkedin"],
        "combos": [["given_name", "family_name", "company"]],
        "conflicts": ["linkedin"],
    },
    "thresholds": {"auto": 0.99, "review": 0.5},
    "estimation": {"prior": 0.001},
}


def spec_dict(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for key, value in overrides.items():
        data[key] = value
    return data


@pytest.fixture
def make_spec():
    def make(**overrides: Any) -> MatchSpec:
        return MatchSpec.model_validate(spec_dict(**overrides))

    return make


@pytest.fixture
def spec(make_spec) -> MatchSpec:
    return make_spec()


@pytest.fixture
def weights(spec: MatchSpec) -> Weights:
    fixed = fixed_weights(spec)
    assert fixed is not None
    return fixed
