from __future__ import annotations

from datetime import timedelta
from textwrap import dedent

import pytest

from hub.config import load_config, parse_duration
from hub.errors import ConfigError
from hub.plugins import HubPlugins, get_plugin_manager
from tests.fakeconnector import FakePlugin

GOOD = """\
database_url: sqlite:///hub.db
redis_url: ${HUB_TEST_REDIS:-}
api:
  listen: 127.0.0.1:9000
  admin_tokens:
    - ${ADMIN_TOKEN}
connections:
  crm:
    connector: fakecrm
    settings:
      api_key: ${CRM_KEY}
  ats:
    connector: fakeats
    settings:
      api_key: ${ATS_KEY}
sync_pairs:
  main:
    crm: crm
    ats: ats
    schedule: {every: 5m}
    lookback: 90s
"""
ENV = {"ADMIN_TOKEN": "tok-secret-1", "CRM_KEY": "crm-secret-2", "ATS_KEY": "ats-secret-3"}


@pytest.fixture
def plugins():
    hub_plugins = HubPlugins(get_plugin_manager(load_entry_points=False))
    hub_plugins.register(FakePlugin(), name="fake")
    return hub_plugins


@pytest.fixture
def write(tmp_path):
    def _write(text: str) -> str:
        path = tmp_path / "config.yaml"
        path.write_text(dedent(text))
        return str(path)

    return _write


def problems(path, plugins, env=ENV) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, environ=env, plugins=plugins)
    return [str(p) for p in info.value.problems]


def test_good_config_loads_with_env_and_defaults(write, plugins):
    config = load_config(write(GOOD), environ=ENV, plugins=plugins)
    assert config.api.admin_tokens[0].get_secret_value() == "tok-secret-1"
    assert config.embedded_queue
    assert config.sync_pairs["main"].lookback == timedelta(seconds=90)
    assert config.sync_pairs["main"].schedule is not None
    assert config.sync_pairs["main"].schedule.every == timedelta(minutes=5)
    assert "tok-secret-1" not in repr(config)


def test_env_overrides_database_and_redis(write, plugins):
    env = {**ENV, "HUB_DATABASE_URL": "sqlite:///other.db", "HUB_REDIS_URL": "redis://h:1/0"}
    config = load_config(write(GOOD), environ=env, plugins=plugins)
    assert (config.database_url, config.redis_url) == ("sqlite:///other.db", "redis://h:1/0")


def test_unknown_key_has_location_and_did_you_mean(write, plugins):
    path = write(GOOD.replace("  listen: 127.0.0.1:9000", "  lisen: 127.0.0.1:9000"))
    assert problems(path, plugins) == [
        f"{path}:4:3: api.lisen: unknown key 'lisen' (did you mean 'listen'?)"
    ]


def test_missing_env_var_is_located_and_the_other_values_stay_hidden(write, plugins):
    env = {k: v for k, v in ENV.items() if k != "CRM_KEY"}
    found = problems(write(GOOD), plugins, env)
    assert found == [
        f"{write(GOOD)}:11:16: connections.crm.settings.api_key: "
        "environment variable CRM_KEY is not set"
    ]
    assert not any(secret in "".join(found) for secret in env.values())


def test_connector_settings_are_validated_by_the_connector_model(write, plugins):
    path = write(GOOD.replace("      api_key: ${ATS_KEY}", "      api_key: x\n      pagesize: 5"))
    assert problems(path, plugins) == [
        f"{path}:16:7: connections.ats.settings.pagesize: unknown key 'pagesize' "
        "(did you mean 'page_size'?)"
    ]


def test_wrong_types_and_unknown_connector_are_all_reported_at_once(write, plugins):
    text = GOOD.replace("connector: fakeats", "connector: greenhose").replace(
        "lookback: 90s", "lookback: soon"
    )
    path = write(text + "logging:\n  level: LOUD\n")
    found = problems(path, plugins)
    assert found == [
        f"{path}:21:15: sync_pairs.main.lookback: expected a duration such as 30s, 5m, 2h or 1d",
        f"{path}:23:10: logging.level: input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'",
    ]
    # the connector check runs once the document itself is valid
    path = write(text.replace("lookback: soon", "lookback: 1m"))
    assert problems(path, plugins) == [
        f"{path}:13:16: connections.ats.connector: unknown connector 'greenhose' (fakeats, fakecrm)"
    ]


def test_sync_pair_must_name_connections_of_the_right_system(write, plugins):
    path = write(GOOD.replace("    crm: crm\n    ats: ats", "    crm: ats\n    ats: nowhere"))
    assert problems(path, plugins) == [
        f"{path}:18:10: sync_pairs.main.crm: connection 'ats' is a ats, not a crm",
        f"{path}:19:10: sync_pairs.main.ats: no connection named 'nowhere'",
    ]


def test_yaml_syntax_error_is_located(write, plugins):
    path = write("api:\n  listen: [oops\n")
    (found,) = problems(path, plugins)
    assert found.startswith(f"{path}:3:1: YAML syntax error")


def test_missing_required_key_is_located_at_its_parent(write, plugins):
    path = write("connections:\n  crm:\n    settings: {}\n")
    assert problems(path, plugins) == [
        f"{path}:3:5: connections.crm.connector: required key is missing"
    ]


def test_document_must_be_a_mapping(write, plugins):
    path = write("- just\n- a list\n")
    assert problems(path, plugins) == [f"{path}:1:1: the configuration must be a mapping of keys"]


def test_unreadable_file_is_a_config_error(tmp_path, plugins):
    missing = str(tmp_path / "nope.yaml")
    (found,) = problems(missing, plugins)
    assert found.startswith(f"{missing}: cannot read file")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("2h", 7200),
        ("1d", 86400),
        ("250ms", 0.25),
        (12, 12),
        ("PT5M", 300),
    ],
)
def test_durations_parse(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


def test_no_file_means_embedded_defaults(plugins, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, environ={}, plugins=plugins)
    assert config.database_url == "sqlite:///hub.db"
    assert config.embedded_queue
