from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub import ConnectorContext, ConnectorRegistry, hookimpl
from hub.connector import Connector
from hub.errors import ConfigError
from hub.plugins import HubPlugins, get_plugin_manager
from tests.fakeconnector import FakePlugin, _spec


def make_plugins(*plugins: object) -> HubPlugins:
    hub_plugins = HubPlugins(get_plugin_manager(load_entry_points=False))
    for i, plugin in enumerate(plugins):
        hub_plugins.register(plugin, name=f"plugin{i}")
    return hub_plugins


def test_a_third_party_connector_registers_and_works_without_core_changes():
    plugins = make_plugins(FakePlugin())
    spec = plugins.connector("fakecrm")
    now = datetime(2026, 11, 27, tzinfo=UTC)
    connector = spec.build({"api_key": "k"}, ConnectorContext(now=lambda: now))
    assert isinstance(connector, Connector)
    pages = list(connector.read_changes("thing", since=None, until=now))
    assert [r.external_id for r in pages[0].records] == ["0", "1", "2"]
    assert connector.setup() == ["created property fake_status"]


def test_duplicate_connector_names_name_both_plugins():
    class Again:
        @hookimpl
        def hub_register_connectors(self, registry: ConnectorRegistry) -> None:
            registry.add(_spec("fakecrm", "crm"))

    plugins = make_plugins(FakePlugin(), Again())
    with pytest.raises(ConfigError, match=r"'fakecrm' is registered twice.*plugin0.*plugin1"):
        _ = plugins.connectors


def test_settings_rejected_by_the_connector_model_fail_clearly():
    spec = make_plugins(FakePlugin()).connector("fakeats")
    with pytest.raises(ValueError, match="api_key"):
        spec.build({"apikey": "k"}, ConnectorContext())


def test_unknown_connector_lists_installed_ones():
    with pytest.raises(
        ConfigError, match=r"no connector named 'nope' is installed \(installed: fakeats, fakecrm\)"
    ):
        make_plugins(FakePlugin()).connector("nope")


def test_disabled_plugins_are_blocked_by_name():
    pm = get_plugin_manager(
        load_entry_points=False, environ={"HUB_DISABLED_PLUGINS": "fake, other"}
    )
    plugins = HubPlugins(pm)
    plugins.register(FakePlugin(), name="fake")
    assert plugins.connectors == {}
    assert pm.is_blocked("other")


def test_bundled_connectors_arrive_through_entry_points():
    specs = HubPlugins.load(environ={}).connectors
    installed = {name for name in ("greenhouse", "hubspot") if name in specs}
    blocked = HubPlugins.load(environ={"HUB_DISABLED_PLUGINS": ",".join(installed)}).connectors
    assert not installed & set(blocked)
    for name in installed:
        assert specs[name].system == {"greenhouse": "ats", "hubspot": "crm"}[name]


def test_configure_hook_is_historic():
    seen = []

    class Late:
        @hookimpl
        def hub_configure(self, config):
            seen.append(config)

    plugins = make_plugins()
    plugins.configure("the-config")
    plugins.register(Late(), name="late")
    assert seen == ["the-config"]


def test_a_plugin_that_fails_to_import_is_named(monkeypatch):
    import importlib.metadata

    broken = importlib.metadata.EntryPoint(
        name="acme", value="acme_hub_does_not_exist.plugin", group="hub"
    )
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [broken])
    with pytest.raises(
        ConfigError,
        match=r"plugin .acme. \(acme_hub_does_not_exist.plugin\) failed to load: ModuleNotFound",
    ):
        get_plugin_manager(environ={})
    # blocked plugins are not even imported
    get_plugin_manager(environ={"HUB_DISABLED_PLUGINS": "acme"})
