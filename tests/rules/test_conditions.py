"""Each condition operator on the context, including vendor string coercion and redaction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.models import Consent, Person
from hub.rules.conditions import Condition, evaluate_condition

from .conftest import make_ctx

PERSON = Person(
    given_name="Ada",
    tags=("python", "Silver-Medalist"),
    consent=Consent(email_opt_out=False),
    relationship_status="interviewing",
    custom={"desired_salary": 90000},
)
CTX = make_ctx(
    "application_rejected",
    person=PERSON,
    stage="Face to Face",
    crm={"hub_ready_for_ats": "true", "desired_salary": "85000", "candidate_tags": "a;b"},
    ats={"tags": ["x"]},
)


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"field": "person.relationship_status", "equals": "INTERVIEWING"}, True),
        ({"field": "person.relationship_status", "not_equals": "hired"}, True),
        ({"field": "person.relationship_status", "in": ["offer", "interviewing"]}, True),
        ({"field": "person.given_name", "exists": True}, True),
        ({"field": "person.family_name", "exists": False}, True),
        ({"field": "crm.missing", "exists": False}, True),
        ({"field": "crm.missing", "equals": None}, False),
        ({"field": "person.tags", "contains": "silver-medalist"}, True),
        ({"field": "crm.candidate_tags", "contains": "b"}, True),
        ({"field": "crm.hub_ready_for_ats", "equals": True}, True),
        ({"field": "crm.hub_ready_for_ats", "equals": "true"}, True),
        ({"field": "crm.desired_salary", "gt": 80000}, True),
        ({"field": "crm.desired_salary", "lte": 80000}, False),
        ({"field": "person.custom.desired_salary", "gte": 90000}, True),
        ({"field": "person.custom.desired_salary", "lt": 90000}, False),
        ({"field": "person.given_name", "gt": 3}, False),
        ({"field": "person.given_name", "matches": "^A"}, True),
        ({"field": "person.consent.email_opt_out", "equals": False}, True),
        ({"field": "application.stage_name", "equals": "face to face"}, True),
        ({"field": "stage.order", "equals": 2}, True),
        ({"field": "job.confidential", "equals": False}, True),
        ({"stage_at_least": "Face to Face"}, True),
        ({"stage_at_least": "Offer"}, False),
        ({"stage_after": "Phone Interview"}, True),
        ({"stage_after": "Face to Face"}, False),
        ({"stage_at_least": "No Such Stage"}, False),
        (
            {
                "all": [
                    {"stage_at_least": "Face to Face"},
                    {"field": "person.tags", "contains": "python"},
                ]
            },
            True,
        ),
        (
            {
                "all": [
                    {"stage_at_least": "Face to Face"},
                    {"field": "person.tags", "contains": "go"},
                ]
            },
            False,
        ),
        ({"any": [{"stage_at_least": "Offer"}, {"field": "ats.tags", "contains": "x"}]}, True),
        ({"not": {"field": "ats.active_applications", "gt": 0}}, True),
    ],
)
def test_condition_operators(condition, holds):
    assert evaluate_condition(Condition.model_validate(condition), CTX)[0] is holds


def test_stage_conditions_never_hold_without_a_job():
    ctx = make_ctx("application_rejected")
    assert (
        evaluate_condition(Condition.model_validate({"stage_at_least": "Face to Face"}), ctx)[0]
        is False
    )


def test_matched_inputs_record_the_actual_value_and_redact_personal_ones():
    cond = Condition.model_validate(
        {
            "all": [
                {"field": "person.given_name", "equals": "ada"},
                {"stage_at_least": "Face to Face"},
            ]
        }
    )
    holds, matches = evaluate_condition(cond, CTX)
    assert holds
    name, stage = matches
    assert name.actual == "Ada"
    assert name.personal
    assert str(name) == "person.given_name equals <redacted> (actual: <redacted>)"
    assert "Ada" not in repr(name)
    assert str(stage) == "stage_at_least 'Face to Face' (actual: 'Face to Face')"


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "x.y", "equals": 1}, "unknown field root 'x'"),
        ({"field": "persn.tags", "equals": 1}, "did you mean 'person'?"),
        ({"field": "person.tags"}, "exactly one of"),
        ({"field": "person.tags", "equals": 1, "in": [1]}, "exactly one of"),
        ({"equals": 1}, "operator 'equals' needs a 'field'"),
        ({"field": "person.tags", "stage_at_least": "Face to Face"}, "takes no 'field'"),
        ({"field": "person.title", "matches": "("}, "invalid regular expression"),
    ],
)
def test_malformed_conditions_are_refused(condition, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace("?", r"\?")):
        Condition.model_validate(condition)


@given(st.lists(st.booleans(), min_size=1, max_size=6))
def test_all_any_and_not_follow_boolean_logic(values):
    leaves = [{"field": "crm.flag", "equals": v} for v in values]
    ctx = CTX.model_copy(update={"crm": {"flag": True}})
    assert evaluate_condition(Condition.model_validate({"all": leaves}), ctx)[0] is all(values)
    assert evaluate_condition(Condition.model_validate({"any": leaves}), ctx)[0] is any(values)
    negated = Condition.model_validate({"not": {"any": leaves}})
    assert evaluate_condition(negated, ctx)[0] is not any(values)
