from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.models import Application, ChangeEvent, Job, Person, Stage
from hub.rules import RuleContext, RuleSet
from hub.rules_io import load_rules

DEFAULT_RULES = Path(__file__).parents[2] / "mappings" / "rules.yaml"
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
STAGES = ("Application Review", "Phone Interview", "Face to Face", "Offer")


@pytest.fixture(scope="session")
def default_rules() -> RuleSet:
    return load_rules(DEFAULT_RULES)


def make_job(*, confidential: bool = False, stages: tuple[str, ...] = STAGES) -> Job:
    return Job(
        id="j1",
        name="Backend Engineer",
        confidential=confidential,
        stages=tuple(Stage(id=f"s{i}", name=n, order=i) for i, n in enumerate(stages)),
    )


def make_application(stage: str | None = "Application Review", **kwargs: Any) -> Application:
    index = STAGES.index(stage) if stage in STAGES else None
    defaults: dict[str, Any] = {
        "id": "a1",
        "person_id": "c1",
        "job_id": "j1",
        "job_name": "Backend Engineer",
        "stage_id": f"s{index}" if index is not None else None,
        "stage_name": stage,
    }
    return Application(**{**defaults, **kwargs})


def make_event(object_type: str = "application", kind: str = "created", **kwargs: Any):
    return ChangeEvent(
        object_type=object_type,
        external_id=kwargs.pop("external_id", "a1"),
        kind=kind,  # type: ignore[arg-type]
        occurred_at=NOW,
        dedupe_key=kwargs.pop("dedupe_key", "k1"),
        **kwargs,
    )


def make_ctx(trigger: str, **kwargs: Any) -> RuleContext:
    """A context for ``trigger``; person, event and application get sensible defaults."""
    kwargs.setdefault("person", Person(given_name="Ada", relationship_status="nurture"))
    kwargs.setdefault("event", make_event())
    if "stage" in kwargs:
        kwargs["application"] = make_application(kwargs.pop("stage"))
        kwargs.setdefault("job", make_job())
    return RuleContext(trigger=trigger, now=kwargs.pop("now", NOW), **kwargs)
