"""A lifecycle stage that moved on in HubSpot since the rule decided is cleared before it is set."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from hub.connector import VendorRecord
from hub.sync.catalogue import Catalogue
from hub.sync.rule_actions import RuleActionRunner, _Plan

NOW = datetime(2026, 11, 27, tzinfo=UTC)


class Contacts:
    """Just enough of a CRM connector: contacts with their lifecycle stage."""

    def __init__(self, stages: dict[str, str]) -> None:
        self.stages = stages

    def fetch(self, object_type: str, ids: list[str]) -> list[VendorRecord]:
        return [
            VendorRecord(object_type, i, NOW, {"properties": {"lifecyclestage": self.stages[i]}})
            for i in ids
        ]


def runner(stages: dict[str, str]) -> RuleActionRunner:
    crm: Any = SimpleNamespace(
        connection="hubspot", object_type="contact", connector=Contacts(stages)
    )
    ats: Any = SimpleNamespace(connection="greenhouse", object_type="candidate")
    return RuleActionRunner(crm=crm, ats=ats, now=lambda: NOW, catalogue=Catalogue)


def test_a_backward_move_found_at_execution_gets_a_clearing_write_first():
    run = runner({"1": "customer", "2": "subscriber"})
    plans = [_Plan(), _Plan()]
    plans[0].crm.append(run._crm_write("p1", "1", {"lifecyclestage": "lead"}, [], step=2))
    plans[1].crm.append(run._crm_write("p2", "2", {"lifecyclestage": "lead"}, [], step=2))
    run._clear_backward_lifecycle(plans)
    assert [w.op.data for w in plans[0].crm_clear] == [{"properties": {"lifecyclestage": ""}}]
    assert plans[1].crm_clear == []  # forwards: set directly


def test_a_clear_the_rule_already_asked_for_is_not_doubled():
    run = runner({"1": "customer"})
    plan = _Plan()
    plan.crm_clear.append(run._crm_write("p1", "1", {"lifecyclestage": ""}, [], step=1))
    plan.crm.append(run._crm_write("p1", "1", {"lifecyclestage": "lead"}, [], step=2))
    run._clear_backward_lifecycle([plan])
    assert len(plan.crm_clear) == 1
