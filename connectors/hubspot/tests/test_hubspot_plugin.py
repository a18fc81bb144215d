from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.hubspot import plugin
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.emulator import build_app
from connectors.hubspot.properties import CANDIDATE_STATUSES, HUB_PROPERTIES
from connectors.hubspot.settings import HubSpotSettings
from hub.connector import Connector, ConnectorContext, EmulatorOptions
from hub.plugins import HubPlugins, get_plugin_manager


def test_plugin_registers_a_crm_connector_named_hubspot():
    plugins = HubPlugins(get_plugin_manager(load_entry_points=False))
    plugins.register(plugin, name="hubspot")
    spec = plugins.connectors["hubspot"]
    assert spec.system == "crm"
    assert set(spec.object_types) == {"contact", "contact_list"}
    built = spec.build({"access_token": "t"}, ConnectorContext())
    assert isinstance(built, HubSpotConnector)
    assert isinstance(built, Connector)
    built.close()


def test_settings_forbid_unknown_keys_and_hide_the_token():
    with pytest.raises(ValidationError):
        HubSpotSettings.model_validate({"access_token": "t", "acess_token": "typo"})
    settings = HubSpotSettings(access_token="pat-na1-secret")
    assert "pat-na1-secret" not in repr(settings)


def test_emulator_rejects_unknown_extra_options():
    with pytest.raises(ValueError, match="unknown HubSpot emulator options"):
        build_app(EmulatorOptions(people=1, extra={"nope": 1}))


def test_hub_property_list_is_data_with_the_candidate_statuses():
    by_name = {p["name"]: p for p in HUB_PROPERTIES}
    assert {"greenhouse_candidate_id", "hub_person_id", "hub_nurture", "hub_ready_for_ats"} <= set(
        by_name
    )
    assert [o["value"] for o in by_name["candidate_status"]["options"]] == list(CANDIDATE_STATUSES)
    assert by_name["hub_nurture"]["type"] == "bool"
