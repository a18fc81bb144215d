from __future__ import annotations

from connectors.greenhouse import plugin
from connectors.greenhouse.connector import GreenhouseConnector
from connectors.greenhouse.settings import GreenhouseSettings
from hub import Connector, ConnectorContext, EmulatorOptions
from hub.plugins import HubPlugins, get_plugin_manager


def test_plugin_registers_the_greenhouse_ats_connector() -> None:
    plugins = HubPlugins(get_plugin_manager(load_entry_points=False))
    plugins.register(plugin, name="greenhouse")

    spec = plugins.connectors["greenhouse"]
    assert (spec.name, spec.system, spec.settings_model) == (
        "greenhouse",
        "ats",
        GreenhouseSettings,
    )
    assert {
        "candidate",
        "application",
        "job",
        "job_interview_stage",
        "rejection_reason",
        "user",
    } <= set(spec.object_types)


def test_spec_builds_a_connector_satisfying_the_protocol() -> None:
    spec = plugin.greenhouse_spec()
    settings = {"client_id": "c", "client_secret": "s", "user_id": "1"}

    connector = spec.build(settings, ConnectorContext())

    assert isinstance(connector, GreenhouseConnector)
    assert isinstance(connector, Connector)
    assert connector.settings.base_url == "https://harvest.greenhouse.io/v3"
    connector.close()


def test_spec_builds_the_emulator_from_options() -> None:
    spec = plugin.greenhouse_spec()
    assert spec.emulator is not None

    app = spec.emulator(EmulatorOptions(seed=3, people=4, rate_limit=9, extra={"rate_window": 1.0}))

    assert app.state.emulator.gate.knobs.rate_limit == 9
    assert app.state.emulator.state.counts()["candidates"] == 4


def test_emulator_rejects_unknown_extra_options() -> None:
    import pytest

    from hub.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown option"):
        plugin.build_emulator(EmulatorOptions(extra={"bogus": 1}))
